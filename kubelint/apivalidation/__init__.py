"""The API server's hand-written validation (``pkg/apis/core/validation``, apps and batch validation, and the pod
warnings of ``pkg/api/pod/warnings.go``): the rules its OpenAPI schemas do not carry, ported with its messages.

:mod:`.fields` formats field errors as the API server prints them, :mod:`.names` holds the name and port syntax
of ``k8s.io/apimachinery/pkg/util/validation``, :mod:`.cron` the CronJob schedule parser (robfig/cron v3),
:mod:`.pods` the pod spec rules and :mod:`.objects` what applies per kind.
"""
