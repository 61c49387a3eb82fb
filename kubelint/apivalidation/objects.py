"""What the API server's validation checks per kind: object names, labels and annotations, pod templates,
Services, Deployment rollouts and CronJobs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from kubelint.apivalidation import names
from kubelint.apivalidation.cron import CronError, parse_standard
from kubelint.apivalidation.fields import DUPLICATE, FORBIDDEN, INVALID, REQUIRED, TOO_LONG, FieldError
from kubelint.apivalidation.pods import Where, maximum_zero_go, validate_pod_spec
from kubelint.findings import Path
from kubelint.model.resource import Resource
from kubelint.records import record

TOTAL_ANNOTATION_SIZE = 256 * 1024

_SUBDOMAIN_KINDS = frozenset({
    ("", "Pod"), ("", "ReplicationController"), ("", "ConfigMap"), ("", "Secret"), ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"), ("", "PodTemplate"), ("", "Endpoints"), ("", "LimitRange"), ("", "ResourceQuota"),
    ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "DaemonSet"), ("apps", "StatefulSet"),
    ("batch", "Job"), ("batch", "CronJob"), ("networking.k8s.io", "Ingress"), ("networking.k8s.io", "NetworkPolicy"),
    ("networking.k8s.io", "IngressClass"), ("policy", "PodDisruptionBudget"),
    ("autoscaling", "HorizontalPodAutoscaler"),
})
NAME_RULES: dict[tuple[str, str], Callable[[str], list[str]]] = {
    **{kind: names.dns1123_subdomain for kind in _SUBDOMAIN_KINDS},
    ("", "Namespace"): names.dns1123_label,
    ("", "Service"): names.dns1035_label,
}
"""The name syntax of each built-in kind kubelint checks (``ValidateObjectMeta`` with the kind's name function)."""

TEMPLATES_AT_APPLY: dict[tuple[str, str], Path] = {
    ("", "PodTemplate"): ("template",),
    ("", "ReplicationController"): ("spec", "template"),
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}
"""Kinds whose pod template the API server validates when the object is applied (``ValidatePodTemplateSpec``).
A StatefulSet's template spec is validated only when its controller creates the pods."""


@record(frozen=True)
class Problem:
    """A field error, and when it surfaces: at apply (the object is refused), or when the pods are created."""

    error: FieldError
    pods_of: str = ""
    """Non-empty: the object is accepted and the pods its controller creates (this name) are refused."""


def _mapping(value: Any) -> Mapping[Any, Any]:
    """The value if it is a mapping (keys may be any YAML scalar), else an empty one."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def validate(resource: Resource) -> Iterator[Problem]:
    """Everything the API server's hand-written validation refuses (or warns about) in ``resource``."""
    kind = (resource.ref.group, resource.kind)
    for error in _metadata(resource, kind):  # loops, not generator expressions: this runs for every object
        yield Problem(error)
    template_path = TEMPLATES_AT_APPLY.get(kind)
    if kind == ("", "Pod"):
        spec = resource.raw.get("spec")
        if isinstance(spec, dict):
            for error in validate_pod_spec(spec, Where(("spec",), ("spec",))):
                yield Problem(error)
    elif template_path is not None:
        for error in _template(resource, template_path, validate_spec=True):
            yield Problem(error)
    elif kind == ("apps", "StatefulSet"):
        for error in _template(resource, ("spec", "template"), validate_spec=False):
            yield Problem(error)
        yield from _stateful_set_pods(resource)
    if kind == ("", "Service"):
        for error in _service(resource):
            yield Problem(error)
    elif kind == ("apps", "Deployment"):
        for error in _rollout(resource):
            yield Problem(error)
    elif kind == ("batch", "CronJob"):
        for error in _cron_job(resource):
            yield Problem(error)


def _metadata(resource: Resource, kind: tuple[str, str]) -> Iterator[FieldError]:
    metadata = _mapping(resource.raw.get("metadata"))
    rule = NAME_RULES.get(kind)
    name = metadata.get("name")
    if rule is not None and isinstance(name, str) and name:
        for message in rule(name):
            yield FieldError(("metadata", "name"), "metadata.name", INVALID, name, message)
    namespace = metadata.get("namespace")
    if rule is not None and isinstance(namespace, str) and namespace and namespace not in _VALID_NAMESPACES:
        for message in _checked(names.dns1123_label, namespace, _VALID_NAMESPACES):
            yield FieldError(("metadata", "namespace"), "metadata.namespace", INVALID, namespace, message)
    yield from labels_and_annotations(metadata, ("metadata",), "metadata.labels", "metadata.annotations")


_VALID_NAMES: set[str] = set()
"""Label and annotation keys found valid (qualified names) in this process: the same few keys come on every
object, so each is checked once (bounded by :data:`KNOWN_VALID`)."""
_VALID_VALUES: set[str] = set()
"""Label values found valid in this process."""
_VALID_NAMESPACES: set[str] = set()
"""Namespace names found valid (DNS labels) in this process: a tree has few namespaces and many objects."""
KNOWN_VALID = 4096


def _checked(validate: Callable[[str], list[str]], text: str, valid: set[str]) -> list[str]:
    """``validate(text)``, remembering ``text`` in ``valid`` when it has no problem."""
    problems = validate(text)
    if not problems and len(valid) < KNOWN_VALID:
        valid.add(text)
    return problems


def labels_and_annotations(metadata: Mapping[str, Any], at: Path, labels_field: str, annotations_field: str
                           ) -> Iterator[FieldError]:
    """``ValidateLabels`` and ``ValidateAnnotations`` (keys, values, total annotation size)."""
    for key, value in _mapping(metadata.get("labels")).items():
        if not isinstance(key, str):
            continue
        if key not in _VALID_NAMES:
            for message in _checked(names.qualified_name, key, _VALID_NAMES):
                yield FieldError((*at, "labels", key), labels_field, INVALID, key, message)
        if isinstance(value, str) and value not in _VALID_VALUES:
            for message in _checked(names.label_value, value, _VALID_VALUES):
                yield FieldError((*at, "labels", key), labels_field, INVALID, value, message)
    annotations = _mapping(metadata.get("annotations"))
    size = 0
    for key, value in annotations.items():
        if not isinstance(key, str):
            continue
        lowered = key.lower()
        if lowered not in _VALID_NAMES:
            for message in _checked(names.qualified_name, lowered, _VALID_NAMES):
                yield FieldError((*at, "annotations", key), annotations_field, INVALID, key, message)
        size += len(key.encode()) + (len(value.encode()) if isinstance(value, str) else 0)
    if size > TOTAL_ANNOTATION_SIZE:
        yield FieldError((*at, "annotations"), annotations_field, TOO_LONG,
                         detail=f"may not be more than {TOTAL_ANNOTATION_SIZE} bytes")


def _template(resource: Resource, path: Path, validate_spec: bool) -> Iterator[FieldError]:
    template = resource.get(path)
    if not isinstance(template, dict):
        return
    field = ".".join(str(part) for part in path)
    yield from labels_and_annotations(_mapping(template.get("metadata")), (*path, "metadata"), f"{field}.labels",
                                      f"{field}.annotations")
    spec = template.get("spec")
    if validate_spec and isinstance(spec, dict):
        yield from validate_pod_spec(spec, Where((*path, "spec"), (*path, "spec")))


def _stateful_set_pods(resource: Resource) -> Iterator[Problem]:
    spec = resource.get(("spec", "template", "spec"))
    if not isinstance(spec, dict):
        return
    claims = frozenset(name for claim in _list(resource.get(("spec", "volumeClaimTemplates")))
                       if isinstance(name := _mapping(_mapping(claim).get("metadata")).get("name"), str))
    pod = f"{resource.name}-0"
    for error in validate_pod_spec(spec, Where(("spec", "template", "spec"), ("spec",)), claims):
        if error.warning:  # warnings come when the StatefulSet is applied, on its template's paths
            yield Problem(FieldError(error.path, "spec.template." + error.field, error.kind, error.value,
                                     error.detail, warning=True))
        else:
            yield Problem(error, pods_of=pod)


def _service(resource: Resource) -> Iterator[FieldError]:
    spec = _mapping(resource.raw.get("spec"))
    kind = spec.get("type") if isinstance(spec.get("type"), str) else "ClusterIP"
    cluster_ip = spec.get("clusterIP")
    cluster_ips = _list(spec.get("clusterIPs"))
    first_ip = cluster_ips[0] if cluster_ips else cluster_ip
    headless = first_ip == "None"
    ports = _list(spec.get("ports"))
    if not ports and not headless and kind != "ExternalName" and "ports" not in spec:
        yield FieldError(("spec",), "spec.ports", REQUIRED)
    seen: set[str] = set()
    for index, raw in enumerate(ports):
        port = _mapping(raw)
        at: Path = ("spec", "ports", index)
        field = f"spec.ports[{index}]"
        name = port.get("name")
        if len(ports) > 1 and (name is None or name == ""):
            yield FieldError((*at, "name") if "name" in port else at, f"{field}.name", REQUIRED)
        elif isinstance(name, str) and name:
            for message in names.dns1123_label(name):
                yield FieldError((*at, "name"), f"{field}.name", INVALID, name, message)
            if name in seen:
                yield FieldError((*at, "name"), f"{field}.name", DUPLICATE, name)
            seen.add(name)
        number = _int(port.get("port"))
        if number is not None:
            for message in names.port_number(number):
                yield FieldError((*at, "port"), f"{field}.port", INVALID, number, message)
        target = port.get("targetPort")
        if isinstance(target, bool) or target is None or target == 0 or target == "":
            pass  # defaulted to port
        elif isinstance(target, int):
            for message in names.port_number(target):
                yield FieldError((*at, "targetPort"), f"{field}.targetPort", INVALID, target, message)
        elif isinstance(target, str):
            for message in names.port_name(target):
                yield FieldError((*at, "targetPort"), f"{field}.targetPort", INVALID, target, message)
        node_port = _int(port.get("nodePort"))
        if node_port:
            for message in names.port_number(node_port):
                yield FieldError((*at, "nodePort"), f"{field}.nodePort", INVALID, node_port, message)
            if kind == "ClusterIP":
                yield FieldError((*at, "nodePort"), f"{field}.nodePort", FORBIDDEN,
                                 detail="may not be used when `type` is 'ClusterIP'")
    if headless and kind in ("LoadBalancer", "NodePort"):
        at = ("spec", "clusterIPs", 0) if cluster_ips else ("spec", "clusterIP")
        yield FieldError(at, "spec.clusterIPs[0]", INVALID, "None", f"may not be set to 'None' for {kind} services")
    if kind == "ExternalName":
        external = spec.get("externalName")
        cname = external.removesuffix(".") if isinstance(external, str) else ""
        if not cname:
            yield FieldError(("spec", "externalName") if "externalName" in spec else ("spec",), "spec.externalName",
                             REQUIRED)
        else:
            for message in names.dns1123_subdomain(cname):
                yield FieldError(("spec", "externalName"), "spec.externalName", INVALID, cname, message)


def _percent_or_int(value: Any, default: int) -> int | None:
    """``getIntOrPercentValue``: an int, or the number of a ``N%`` string; None for anything else."""
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = value[:-1] if isinstance(value, str) and value.endswith("%") else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:  # "²%" is a digit to isdigit(), not to int();
        return int(digits)  # and int() refuses more than 4,300 digits
    return None


def _rollout(resource: Resource) -> Iterator[FieldError]:
    strategy = _mapping(resource.get(("spec", "strategy")))
    if strategy.get("type", "RollingUpdate") != "RollingUpdate" or "rollingUpdate" not in strategy:
        return
    rolling = _mapping(strategy.get("rollingUpdate"))
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    if _percent_or_int(unavailable, 25) == 0 and _percent_or_int(surge, 25) == 0:
        key = "maxUnavailable" if "maxUnavailable" in rolling else "maxSurge"
        at: Path = ("spec", "strategy", "rollingUpdate", key)
        yield FieldError(at, "spec.strategy.rollingUpdate.maxUnavailable", INVALID,
                         maximum_zero_go(unavailable if unavailable is not None else 0),
                         "may not be 0 when `maxSurge` is 0")


@cache
def _zone_exists(name: str) -> bool | None:
    """Whether Go's ``time.LoadLocation`` finds the zone (None: no zone database here to tell)."""
    import zoneinfo

    if name in ("", "UTC", "Local"):
        return True
    if not zoneinfo.available_timezones():
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _zone_known(name: str) -> bool:
    return _zone_exists(name) is not False


_TZ_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


def _cron_job(resource: Resource) -> Iterator[FieldError]:
    name = resource.name
    if isinstance(_mapping(resource.raw.get("metadata")).get("name"), str) and len(name) > 52:
        yield FieldError(("metadata", "name"), "metadata.name", INVALID, name, "must be no more than 52 characters")
    spec = _mapping(resource.raw.get("spec"))
    schedule = spec.get("schedule")
    time_zone = spec.get("timeZone")
    if isinstance(schedule, str):
        try:
            parse_standard(schedule, _zone_known)
        except CronError as error:
            yield FieldError(("spec", "schedule"), "spec.schedule", INVALID, schedule, str(error))
        if "TZ" in schedule:
            yield FieldError(("spec", "schedule"), "spec.schedule", INVALID, schedule,
                             "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    if isinstance(time_zone, str):
        yield from _time_zone(time_zone)


def _time_zone(zone: str) -> Iterator[FieldError]:
    at: Path = ("spec", "timeZone")
    if not zone:
        yield FieldError(at, "spec.timeZone", INVALID, zone, "timeZone must be nil or non-empty string")
        return
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.fullmatch(part):
            yield FieldError(at, "spec.timeZone", INVALID, zone, f"unknown time zone {zone}")
            return
    if zone.lower() == "local":
        yield FieldError(at, "spec.timeZone", INVALID, zone,
                         "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
    if _zone_exists(zone) is False:
        yield FieldError(at, "spec.timeZone", INVALID, zone, f"unknown time zone {zone}")
