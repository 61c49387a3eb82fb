"""Relationship checks: selectors that select nothing, ports that do not line up, targets that do not exist.

They read the resource graph (the ``graph`` analysis), which is built once per run on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubelint.analysis.graph import GOVERNED_BY, ROUTES, SCALES, ResourceGraph, build_graph
from kubelint.analysis.references import declared_reason
from kubelint.checks import Hit, Params, check
from kubelint.checks.orphan import orphan_hit
from kubelint.findings import Location, Path
from kubelint.model.resource import (
    Container,
    ContainerPort,
    ObjectRef,
    Resource,
    mapping,
    sequence,
    service_target,
    text,
)
from kubelint.model.selectors import EQUALITY_SELECTOR_KINDS, PodGroup, Selector
from kubelint.model.tree import Tree

SELECTOR_KINDS = {
    ("", "ReplicationController"), ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
    ("apps", "DaemonSet"), ("extensions", "Deployment"), ("extensions", "ReplicaSet"),
    ("extensions", "DaemonSet"), ("apps.openshift.io", "DeploymentConfig"),
}
"""Workloads whose selector must match their own template (the API server refuses them otherwise)."""

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _graph(tree: Tree) -> ResourceGraph:
    return build_graph(tree)


def _services(graph: ResourceGraph) -> Iterator[Resource]:
    for resource in graph.tree.by_ref.values():
        if resource.ref.group == "" and resource.kind == "Service":
            yield resource


def _describe(group: PodGroup) -> str:
    return f"{group.owner.kind} {group.owner.name}"


# orphan-service-selector / orphan-pdb-selector -------------------------------------------------


@check("orphan-service-selector", params={"require_pods": {
    "type": "boolean", "description": "Say nothing when the tree creates no pods in the namespace (default true)."}})
def orphan_service_selector(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Service whose selector matches no pod template of its namespace."""
    graph = _graph(tree)
    for service in _services(graph):
        if service.spec.get("type") == "ExternalName":
            continue
        selector = Selector.parse(service.spec.get("selector"), "Service")
        if selector.selects_nothing or selector.problems or graph.selected.get(service.ref):
            continue  # no selector: endpoints are managed by hand
        yield orphan_hit(graph, service, selector, ("spec", "selector"),
                         f"selector {selector} matches no pods in namespace {service.namespace}",
                         require_pods=params.get("require_pods", True))


@check("orphan-pdb-selector", params={"require_pods": {
    "type": "boolean", "description": "Say nothing when the tree creates no pods in the namespace (default true)."}})
def orphan_pdb_selector(tree: Tree, params: Params) -> Iterator[Hit]:
    """A PodDisruptionBudget that selects no pods."""
    graph = _graph(tree)
    for resource in graph.tree.by_ref.values():
        if resource.ref.group != "policy" or resource.kind != "PodDisruptionBudget":
            continue
        raw = resource.spec.get("selector")
        selector = Selector.parse(raw, "PodDisruptionBudget", resource.api_version)
        if selector.problems:
            continue
        if selector.selects_nothing:
            where = resource.where(("spec", "selector"))
            if raw is None:
                yield Hit("the PodDisruptionBudget has no selector, so it protects no pods", where)
            else:
                yield Hit(f"an empty selector selects no pods in {resource.api_version} (policy/v1 reads it as "
                          "every pod of the namespace)", where)
            continue
        if graph.selected.get(resource.ref):
            continue
        yield orphan_hit(graph, resource, selector, ("spec", "selector"),
                         f"selector {selector} matches no pods in namespace {resource.namespace}",
                         require_pods=params.get("require_pods", True))


# service-target-port-mismatch ------------------------------------------------------------------


def serving_ports(container: Container) -> tuple[ContainerPort, ...]:
    """The ports a Service can reach: those of app containers and of sidecar (restartable) init
    containers."""
    if container.init and container.raw.get("restartPolicy") != "Always":
        return ()
    return container.ports


def _group_ports(group: PodGroup) -> list[ContainerPort]:
    return [port for container in group.containers or () for port in serving_ports(container)]


@check("service-target-port-mismatch")
def service_target_port_mismatch(tree: Tree, params: Params) -> Iterator[Hit]:
    """A Service targetPort that the selected containers do not declare."""
    graph = _graph(tree)
    for service in _services(graph):
        groups = [group for group in graph.selected.get(service.ref, ()) if group.containers is not None]
        if not groups or service.spec.get("type") == "ExternalName":
            continue
        for index, port in enumerate(sequence(service.spec.get("ports"))):
            port = mapping(port)
            protocol = text(port.get("protocol")) or "TCP"
            target, defaulted = service_target(port)
            if target is None:
                continue
            path: Path = ("spec", "ports", index, "targetPort" if "targetPort" in port else "port")
            yield from _target_port(service, groups, target, protocol, path, defaulted)


def _target_port(service: Resource, groups: list[PodGroup], target: int | str, protocol: str,
                 path: Path, defaulted: bool = False) -> Iterator[Hit]:
    if isinstance(target, str):
        having = [g for g in groups if any(p.name == target and p.protocol == protocol for p in _group_ports(g))]
        if len(having) == len(groups):
            return
        lacking = [g for g in groups if g not in having]
        other_protocol = sorted({p.protocol for g in lacking for p in _group_ports(g)
                                 if p.name == target and p.protocol != protocol})
        detail = f" (declared only as {'/'.join(other_protocol)})" if other_protocol else ""
        if not having:
            names = sorted({p.name for g in groups for p in _group_ports(g) if p.name})
            known = f"; they name {', '.join(names)}" if names else "; they declare no named port"
            if target.isdigit():
                known += f" (a quoted number is a port name: write {target} unquoted)"
            yield Hit(f"targetPort {target!r} is not a {protocol} container port name of the selected pods"
                      f"{detail}{known}", service.where(path), _related(lacking))
        else:
            yield Hit(f"targetPort {target!r} is not a {protocol} container port name of "
                      f"{', '.join(_describe(g) for g in lacking)}{detail}; traffic to those pods fails",
                      service.where(path), _related(lacking), weaker=True)
        return
    declaring = [g for g in groups if _group_ports(g)]
    if not declaring:
        return
    if any(p.number == target and p.protocol == protocol for g in declaring for p in _group_ports(g)):
        return
    numbers = sorted({f"{p.number}/{p.protocol}" for g in declaring for p in _group_ports(g) if p.number})
    shown = f"targetPort {target} ({protocol})" if not defaulted else \
        f"port {target} ({protocol}, the target port when targetPort is absent or 0)"
    yield Hit(f"{shown} is not declared by the selected containers, which declare "
              f"{', '.join(numbers) or 'no port number'}", service.where(path), _related(declaring), weaker=True)


def _related(groups: Iterable[PodGroup]) -> tuple[Location, ...]:
    return tuple(
        group.resource.where((*(group.template_path or ()), "spec") if group.containers is not None else (),
                             f"pods of {_describe(group)}")
        for group in groups
    )


# ingress-unknown-service / ingress-port-mismatch -----------------------------------------------


@check("ingress-unknown-service", params={"require_services": {
    "type": "boolean",
    "description": "Say nothing when the tree defines no Service in the Ingress's namespace (default true)."}})
def ingress_unknown_service(tree: Tree, params: Params) -> Iterator[Hit]:
    """An Ingress backend that names no Service of the Ingress's namespace."""
    graph = _graph(tree)
    require = params.get("require_services", True)
    for edge in graph.edges(ROUTES):
        if _exists(graph, edge.target):
            continue
        ingress = graph.resource(edge.source)
        assert ingress is not None
        base = f"backend Service {edge.target.name!r} is not defined in namespace {edge.target.namespace}"
        moved = _wrong_namespace(graph, ingress, edge.target, base, edge.path, "Service",
                                 "an Ingress routes only to Services of its own namespace")
        if moved is not None:
            yield moved
        elif not require or graph.has_kind("Service", edge.target.namespace):
            yield Hit(base, ingress.where(edge.path))
        # else: the tree defines no Service there, they are deployed from elsewhere


@check("ingress-port-mismatch")
def ingress_port_mismatch(tree: Tree, params: Params) -> Iterator[Hit]:
    """An Ingress backend port that the Service does not expose."""
    graph = _graph(tree)
    for edge in graph.edges(ROUTES):
        service = graph.resource(edge.target)
        port = edge.data.get("port")
        if service is None or port is None:
            continue
        ingress = graph.resource(edge.source)
        assert ingress is not None
        ports = [mapping(item) for item in sequence(service.spec.get("ports"))]
        if isinstance(port, int):
            numbers = [item.get("port") for item in ports]
            if port not in numbers:
                shown = ", ".join(str(number) for number in numbers if isinstance(number, int)) or "none"
                yield Hit(f"Service {service.name} has no port {port} (its ports: {shown})",
                          ingress.where(edge.data["port_path"]), (service.where(("spec", "ports")),))
        else:
            names = [item.get("name") for item in ports]
            if port not in names:
                shown = ", ".join(name for name in names if isinstance(name, str)) or "no named port"
                yield Hit(f"Service {service.name} has no port named {port!r} (its port names: {shown})",
                          ingress.where(edge.data["port_path"]), (service.where(("spec", "ports")),))


# selector-template-mismatch --------------------------------------------------------------------


@check("selector-template-mismatch")
def selector_template_mismatch(tree: Tree, params: Params) -> Iterator[Hit]:
    """A workload whose selector does not match its own pod template's labels."""
    for resource in tree.linted:
        if (resource.ref.group, resource.kind) not in SELECTOR_KINDS:
            continue
        template = resource.pod_template
        if template is None:
            continue
        raw = resource.spec.get("selector")
        selector = Selector.parse(raw, resource.kind, resource.api_version)
        if selector.problems or selector.defaulted:
            continue
        if resource.kind not in EQUALITY_SELECTOR_KINDS and isinstance(raw, dict) and not selector.requirements:
            yield Hit(f"an empty selector is refused for a {resource.kind}: it would select every pod of the "
                      "namespace; select the template's labels", resource.where(("spec", "selector")))
            continue
        failing = selector.failing(template.labels)
        if failing:
            labels = ",".join(f"{k}={v}" for k, v in template.labels.items()) or "no labels"
            yield Hit(f"selector {selector} does not match the pod template's labels ({labels}); "
                      f"unmet: {', '.join(str(r) for r in failing)}", resource.where(("spec", "selector")),
                      (resource.where((*template.path, "metadata", "labels"), "template labels"),))


# probe-port-mismatch ---------------------------------------------------------------------------


@check("probe-port-mismatch")
def probe_port_mismatch(tree: Tree, params: Params) -> Iterator[Hit]:
    """A probe port that its container does not declare."""
    graph = _graph(tree)
    for resource in tree.linted:
        template = graph.template(resource)
        if template is None:
            continue
        for container in template.containers:
            for probe_name in PROBES:
                probe = mapping(container.raw.get(probe_name))
                for handler in ("httpGet", "tcpSocket", "grpc"):
                    action = probe.get(handler)
                    if not isinstance(action, dict) or "port" not in action:
                        continue
                    yield from _probe_port(resource, container, action["port"],
                                           (*container.path, probe_name, handler, "port"), probe_name)


def _probe_port(resource: Resource, container: Container, port: object, path: Path, probe: str) -> Iterator[Hit]:
    """A named probe port must resolve on its container (the kubelet looks the name up among the container's
    ports, whatever their protocol) to a TCP port: every probe handler speaks TCP. A numeric port is not
    checked: a container often serves health or metrics on a port it does not declare."""
    if not isinstance(port, str) or path[-2] == "grpc":
        return  # grpc takes only numbers: schema-invalid reports a name there
    declared = [item for item in container.ports if item.name == port]
    if not declared:
        names = ", ".join(sorted(item.name for item in container.ports if item.name)) or "none"
        quoted = f"; a quoted number is a port name: write {port} unquoted" if port.isdigit() else ""
        yield Hit(f"{probe} port {port!r} is not a port name of container {container.name} "
                  f"(its port names: {names}){quoted}", resource.where(path))
    elif all(item.protocol != "TCP" for item in declared):
        number = declared[0].number
        yield Hit(f"{probe} {path[-2]} port {port!r} is declared {declared[0].protocol} "
                  f"({number}/{declared[0].protocol}), but the probe connects over TCP", resource.where(path),
                  (resource.where(declared[0].path, f"port {port} of container {container.name}"),))


# statefulset-missing-service -------------------------------------------------------------------


@check("statefulset-missing-service")
def statefulset_missing_service(tree: Tree, params: Params) -> Iterator[Hit]:
    """A StatefulSet whose serviceName is not a headless Service of its namespace."""
    graph = _graph(tree)
    for edge in graph.edges(GOVERNED_BY):
        statefulset = graph.resource(edge.source)
        assert statefulset is not None
        service = graph.resource(edge.target)
        if service is None and _exists(graph, edge.target):
            continue
        where = statefulset.where(edge.path)
        if service is None:
            yield Hit(f"serviceName {edge.target.name!r} names no Service in namespace {edge.target.namespace}; "
                      "the pods get no stable DNS names", where)
        elif service.spec.get("clusterIP") != "None":
            yield Hit(f"Service {service.name} is not headless (clusterIP: None), so it gives the pods no "
                      "stable DNS names", where, (service.where(("spec",)),))
        elif not any(group.owner == statefulset.ref for group in graph.selected.get(service.ref, ())):
            selector = Selector.parse(service.spec.get("selector"), "Service")
            what = "has no selector" if selector.selects_nothing else f"selects {selector}, not its pods"
            yield Hit(f"headless Service {service.name} {what}: it publishes no DNS names for the pods of "
                      "this StatefulSet", where, (service.where(("spec", "selector")),))


# orphan-hpa-target -----------------------------------------------------------------------------


@check("orphan-hpa-target", params={"require_pods": {
    "type": "boolean", "description": "Say nothing when the tree creates no pods in the namespace (default true)."}})
def orphan_hpa_target(tree: Tree, params: Params) -> Iterator[Hit]:
    """A HorizontalPodAutoscaler whose scaleTargetRef names no object of its namespace."""
    graph = _graph(tree)
    for edge in graph.edges(SCALES):
        if _exists(graph, edge.target):
            continue
        hpa = graph.resource(edge.source)
        assert hpa is not None
        target = edge.target
        group = f" (API group {target.group})" if target.group else ""
        base = (f"scaleTargetRef names {target.kind} {target.name!r}{group}, which is not defined in "
                f"namespace {target.namespace}")
        moved = _wrong_namespace(graph, hpa, target, base, edge.path, "object",
                                 "a HorizontalPodAutoscaler scales only objects of its own namespace")
        if moved is not None:
            yield moved
        elif not params.get("require_pods", True) or graph.pods.in_namespace(target.namespace):
            yield Hit(base, hpa.where(edge.path))
        # else: the tree creates no pods there, the workloads are deployed from elsewhere


def _exists(graph: ResourceGraph, target: ObjectRef) -> bool:
    """Whether a referenced object exists or may: the tree defines it, a file it could not read may, or it exists
    without the tree (built in, an ``external`` entry: the test every reference rule makes)."""
    return (graph.resource(target) is not None or graph.unread_defines(target) is not None
            or bool(declared_reason(graph.tree, target)))


def _wrong_namespace(graph: ResourceGraph, source: Resource, target: ObjectRef, base: str, path: Path,
                     what: str, why: str) -> Hit | None:
    """The finding for a reference whose target is not in the source's namespace but in another namespace of the
    tree: an error when both namespaces are written, one level lower when the target's namespace has no
    ``what`` at all and a side names none (objects without one go where they are applied)."""
    found = graph.elsewhere(target.kind, target.namespace, target.name, target.group or None)
    if not found:
        return None
    first = found[0]
    explicit = source.namespace_given and all(resource.namespace_given for resource in found)
    present = graph.has_kind(target.kind, target.namespace) if what == "Service" else \
        bool(graph.pods.in_namespace(target.namespace))
    return Hit(f"{base}; it matches {first.kind} {first.name} in namespace {first.namespace}, not in "
               f"{target.namespace}: {why}", source.where(path),
               tuple(resource.where((), f"{resource.kind} {resource.name}") for resource in found[:3]),
               weaker=not explicit and not present)
