"""The pod spec rules of ``ValidatePodSpec`` the schemas miss, and the pod warnings of ``pkg/api/pod/warnings.go``.

Errors: container names (DNS-1123 labels, unique across init, app and ephemeral containers), volume names
(DNS-1123 labels, unique), volume mounts that name a volume the pod has (a StatefulSet's volumeClaimTemplates
count), unique mount paths, container ports (1-65535, IANA names unique per container), hostPorts,
probe and lifecycle handlers (exactly one), liveness and startup ``successThreshold`` of 1, probes on init
containers. Warnings (accepted, printed by kubectl): duplicate env names that hide an earlier one, and container
ports defined twice across the pod. Fields the schema already requires are not reported missing again.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from typing import Any

from kubelint.apivalidation import names
from kubelint.apivalidation.fields import (
    DUPLICATE,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    REQUIRED,
    FieldError,
    GoText,
)
from kubelint.findings import Path, dotted
from kubelint.records import record


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@record(frozen=True)
class Where:
    """Maps a path inside the pod spec to the node of the object (for the location) and to the field the API
    server names (its own path: ``spec.template.spec...`` for a template, ``spec...`` for the pods a StatefulSet
    creates)."""

    node: Path
    field: Path

    def error(self, sub: Path, kind: str, value: Any = None, detail: str = "", warning: bool = False) -> FieldError:
        return FieldError((*self.node, *sub), dotted((*self.field, *sub)), kind, value, detail, warning)

    def named(self, sub: Path) -> str:
        return dotted((*self.field, *sub))


_CONTAINER_FIELDS = (("containers", False), ("initContainers", True), ("ephemeralContainers", False))


def validate_pod_spec(spec: Mapping[str, Any], where: Where, claim_names: frozenset[str] = frozenset()
                      ) -> Iterator[FieldError]:
    """Errors and warnings for one pod spec (``claim_names``: a StatefulSet's volumeClaimTemplates)."""
    volume_names = yield from _volumes(spec, where)
    volume_names |= claim_names
    seen: set[str] = set()
    regular = [_mapping(item) for item in _list(spec.get("containers"))]
    # regular containers first, as ValidatePodSpec does; init containers are checked against them
    for field_name, init in _CONTAINER_FIELDS:
        if field_name == "initContainers":
            seen = {name for item in regular if isinstance(name := item.get("name"), str) and name}
        for index, raw in enumerate(_list(spec.get(field_name))):
            container = _mapping(raw)
            sub = (field_name, index)
            name = container.get("name")
            if isinstance(name, str):
                if not name:
                    yield where.error((*sub, "name"), REQUIRED)
                else:
                    for message in names.dns1123_label(name):
                        yield where.error((*sub, "name"), INVALID, name, message)
                    if name in seen:
                        yield where.error((*sub, "name"), DUPLICATE, name)
                    seen.add(name)
            yield from _ports(container, where, sub)
            yield from _mounts(container, where, sub, volume_names)
            yield from _handlers(container, where, sub, init)
    yield from _warnings(spec, where)


def _volumes(spec: Mapping[str, Any], where: Where) -> Generator[FieldError, None, set[str]]:
    found: set[str] = set()
    for index, raw in enumerate(_list(spec.get("volumes"))):
        name = _mapping(raw).get("name")
        if not isinstance(name, str):
            continue
        sub: Path = ("volumes", index, "name")
        if not name:
            yield where.error(sub, REQUIRED)
        else:
            for message in names.dns1123_label(name):
                yield where.error(sub, INVALID, name, message)
        if name in found:
            yield where.error(sub, DUPLICATE, name)
        found.add(name)
    return found


def _ports(container: Mapping[str, Any], where: Where, sub: Path) -> Iterator[FieldError]:
    port_names: set[str] = set()
    for index, raw in enumerate(_list(container.get("ports"))):
        port = _mapping(raw)
        at = (*sub, "ports", index)
        name = port.get("name")
        if isinstance(name, str) and name:
            problems = names.port_name(name)
            for message in problems:
                yield where.error((*at, "name"), INVALID, name, message)
            if not problems:
                if name in port_names:
                    yield where.error((*at, "name"), DUPLICATE, name)
                port_names.add(name)
        number = _int(port.get("containerPort"))
        if number is not None:
            if number == 0:
                yield where.error((*at, "containerPort"), REQUIRED)
            else:
                for message in names.port_number(number):
                    yield where.error((*at, "containerPort"), INVALID, number, message)
        host = _int(port.get("hostPort"))
        if host:
            for message in names.port_number(host):
                yield where.error((*at, "hostPort"), INVALID, host, message)


def _mounts(container: Mapping[str, Any], where: Where, sub: Path, volume_names: set[str]) -> Iterator[FieldError]:
    mount_paths: set[str] = set()
    for index, raw in enumerate(_list(container.get("volumeMounts"))):
        mount = _mapping(raw)
        at = (*sub, "volumeMounts", index)
        name = mount.get("name")
        if isinstance(name, str):
            if not name:
                yield where.error((*at, "name"), REQUIRED)
            if name not in volume_names:
                yield where.error((*at, "name"), NOT_FOUND, name)
        path = mount.get("mountPath")
        if isinstance(path, str) and path:
            if path in mount_paths:
                yield where.error((*at, "mountPath"), INVALID, path, "must be unique")
            mount_paths.add(path)


_PROBE_ACTIONS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_ACTIONS = ("exec", "httpGet", "tcpSocket", "sleep")


def _handler(handler: Mapping[str, Any], actions: tuple[str, ...], where: Where, at: Path) -> Iterator[FieldError]:
    """``validateHandler``: exactly one action; every one after the first is forbidden."""
    count = 0
    for action in actions:
        if handler.get(action) is not None:
            if count:
                yield where.error((*at, action), FORBIDDEN, detail="may not specify more than 1 handler type")
            count += 1
    if not count:
        yield where.error(at, REQUIRED, detail="must specify a handler type")


def _handlers(container: Mapping[str, Any], where: Where, sub: Path, init: bool) -> Iterator[FieldError]:
    sidecar = init and container.get("restartPolicy") == "Always"
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_name)
        if not isinstance(probe, dict):
            continue
        at = (*sub, probe_name)
        if init and not sidecar:
            yield where.error(at, FORBIDDEN, detail="may not be set for init containers without restartPolicy=Always")
            continue
        yield from _handler(probe, _PROBE_ACTIONS, where, at)
        threshold = _int(probe.get("successThreshold"))
        if probe_name != "readinessProbe" and threshold not in (None, 0, 1):
            yield where.error((*at, "successThreshold"), INVALID, threshold, "must be 1")
    lifecycle = _mapping(container.get("lifecycle"))
    for hook in ("postStart", "preStop"):
        handler = lifecycle.get(hook)
        if isinstance(handler, dict):
            yield from _handler(handler, _LIFECYCLE_ACTIONS, where, (*sub, "lifecycle", hook))


def _warnings(spec: Mapping[str, Any], where: Where) -> Iterator[FieldError]:
    """Warnings the API server returns with the object (``warningsForPodSpecAndMeta``)."""
    ports: dict[str, list[tuple[Path, Mapping[str, Any]]]] = {}
    for field_name in ("initContainers", "containers", "ephemeralContainers"):
        for index, raw in enumerate(_list(spec.get(field_name))):
            container = _mapping(raw)
            sub = (field_name, index)
            seen: set[str] = set()
            env = _list(container.get("env"))
            for item_index, item in enumerate(env if len(env) > 1 else []):
                item = _mapping(item)
                name = item.get("name")
                if not isinstance(name, str):
                    continue
                if name in seen:
                    reference = f"$({name})"
                    raw_value = item.get("value")
                    value = raw_value if isinstance(raw_value, str) else ""
                    if item.get("valueFrom") is not None or value == reference or reference not in value:
                        yield where.error((*sub, "env", item_index), "", detail=f'hides previous definition of '
                                          f'"{name}", which may be dropped when using apply', warning=True)
                else:
                    seen.add(name)
            for port_index, raw_port in enumerate(_list(container.get("ports"))):
                port = _mapping(raw_port)
                number = _int(port.get("containerPort"))
                protocol = port.get("protocol") if isinstance(port.get("protocol"), str) else "TCP"
                key = f"{number if number is not None else 0}/{protocol}"
                at: Path = (*sub, "ports", port_index)
                host_ip = port.get("hostIP") if isinstance(port.get("hostIP"), str) else ""
                host_port = _int(port.get("hostPort")) or 0
                for other_at, other in ports.get(key, []):
                    other_ip = other.get("hostIP") if isinstance(other.get("hostIP"), str) else ""
                    other_port = _int(other.get("hostPort")) or 0
                    if host_ip == other_ip and host_port == other_port:
                        text = f"duplicate port definition with {where.named(other_at)}"
                    elif host_port == 0 or other_port == 0:
                        text = f"overlapping port definition with {where.named(other_at)}"
                    elif host_port == other_port and (host_ip == "") != (other_ip == ""):
                        text = f"dangerously ambiguous port definition with {where.named(other_at)}"
                    else:
                        continue
                    yield where.error(at, "", detail=text, warning=True)
                ports.setdefault(key, []).append((at, port))


def maximum_zero_go(value: Any) -> GoText:
    """``intstr.IntOrString`` printed with ``%#v`` (the API server's words for maxUnavailable)."""
    if isinstance(value, str):
        return GoText(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}')
    return GoText(f'intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:""}}')
