"""Offline Kubernetes schema validation: built-in schemas per version, CRDs from the tree, deprecations.

- :mod:`kubelint.schema.builtin`: the schemas ``kubernetes-validate`` ships, per Kubernetes minor.
- :mod:`kubelint.schema.crd`: CRD ``openAPIV3Schema`` to JSON Schema, with the ``x-kubernetes-*`` rules.
- :mod:`kubelint.schema.store`: lookup and compiled-validator cache per (group, version, kind).
- :mod:`kubelint.schema.errors`: jsonschema errors to plain, located problems.
- :mod:`kubelint.schema.deprecations`: apiVersions deprecated or removed, with their replacements.
"""
