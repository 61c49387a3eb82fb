"""Istio routing checks: VirtualService destinations (host, port, subset) and gateways that do not resolve, and
DestinationRule subsets whose labels select none of the Service's pod templates (istioctl's analyzers look at
Pod objects only, so a tree of Deployments passes them).

They read the ``istio-routes`` analysis; a reference to an object the tree does not define goes through
:func:`kubelint.checks.missing.missing_target` (wrong namespace, missing, or held back).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kubelint.checks import Hit, Params, check
from kubelint.checks.missing import missing_target
from kubelint.checks.orphan import orphan_hit
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, string_map
from kubelint.model.selectors import Operator, Requirement, Selector
from kubelint.model.tree import Tree

if TYPE_CHECKING:
    from kubelint.analysis.istio import IstioRoutes

ISTIO_GROUP = "networking.istio.io"
"""``kubelint.analysis.istio.ISTIO_GROUP``: a tree without objects of it has no VirtualService or DestinationRule to
check (and does not import the analysis)."""


def _routes(tree: Tree) -> IstioRoutes | None:
    """The ``istio-routes`` analysis, or None when the tree has no Istio networking object."""
    from kubelint.analysis.groups import api_groups

    if ISTIO_GROUP not in api_groups(tree):
        return None
    from kubelint.analysis.istio import build_istio_routes

    return build_istio_routes(tree)


def _ports(service: Resource) -> list[int]:
    return [port for port in (mapping(item).get("port") for item in sequence(service.spec.get("ports")))
            if isinstance(port, int) and not isinstance(port, bool)]


@check("istio-destination-not-found")
def istio_destination_not_found(tree: Tree, params: Params) -> Iterator[Hit]:
    """A VirtualService destination host that names a Service the tree does not define (and no ServiceEntry)."""
    routes = _routes(tree)
    if routes is None:
        return
    for resolution in routes.resolutions:
        target = resolution.target
        if resolution.service is not None or resolution.entry is not None or target is None:
            continue  # a host outside the cluster domain is a ServiceEntry's, which may be applied elsewhere
        if routes.graph.unread_defines(target) is not None:
            continue
        destination = resolution.destination
        short = "." not in destination.host
        hit = missing_target(routes.graph, destination.source, target, destination.host_path, not short,
                             f"destination host {destination.host!r}: Service", routes.defines("", "Service",
                                                                                                     target.namespace))
        if hit is None:
            continue
        if short and not hit.held:
            hit = Hit(hit.message + " (a short host is read in the VirtualService's namespace; no ServiceEntry "
                      "of the tree has it either)", hit.location, hit.related, hit.weaker)
        yield hit


@check("istio-destination-port")
def istio_destination_port(tree: Tree, params: Params) -> Iterator[Hit]:
    """A destination port that the Service does not expose, or none while the Service exposes several."""
    routes = _routes(tree)
    if routes is None:
        return
    for resolution in routes.resolutions:
        service, destination = resolution.service, resolution.destination
        if service is None or service.spec.get("type") == "ExternalName":
            continue
        ports = _ports(service)
        related = (service.where(("spec", "ports"), f"ports of Service {service.name}"),)
        shown = ", ".join(str(port) for port in ports) or "none"
        if destination.port_written:
            if destination.port not in ports:
                yield Hit(f"Service {service.name} has no port {destination.port} (its ports: {shown})",
                          destination.source.where((*destination.path, "port", "number")), related)
        elif len(ports) > 1:
            yield Hit(f"Service {service.name} exposes several ports ({shown}): the destination must select one "
                      "with port.number (istioctl: VirtualServiceDestinationPortSelectorRequired)",
                      destination.source.where(destination.host_path), related, weaker=True)


@check("istio-subset-not-found")
def istio_subset_not_found(tree: Tree, params: Params) -> Iterator[Hit]:
    """A destination subset that no DestinationRule of the host defines."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.istio import service_of

    for resolution in routes.resolutions:
        destination = resolution.destination
        if not destination.subset:
            continue
        subsets = routes.subsets(destination.resolved)
        if any(name == destination.subset for _, _, _, name in subsets):
            continue
        where = destination.source.where((*destination.path, "subset"))
        if subsets:
            rules = sorted({rule.name for rule, _, _, _ in subsets})
            names = ", ".join(sorted({name for _, _, _, name in subsets}))
            yield Hit(f"subset {destination.subset!r} is not defined for host {destination.host} (DestinationRule "
                      f"{', '.join(rules)} defines {names}); requests routed to it fail",
                      where, tuple(rule.where(("spec", "subsets"), f"subsets of DestinationRule {rule.name}")
                                   for rule, _, _, _ in subsets[:1]))
            continue
        base = (f"subset {destination.subset!r}: no DestinationRule of the tree defines subsets for host "
                f"{destination.host}; requests routed to it fail")
        namespaces = {destination.source.namespace}
        named = service_of(destination.resolved)
        if named is not None:
            namespaces.add(named[1])
        if any(routes.defines(ISTIO_GROUP, "DestinationRule", namespace) for namespace in namespaces):
            yield Hit(base, where)
        else:
            yield Hit(base, where, held="the tree defines no DestinationRule in the namespaces of the route and "
                                        "the host: they are applied from elsewhere")


@check("istio-subset-selects-nothing")
def istio_subset_selects_nothing(tree: Tree, params: Params) -> Iterator[Hit]:
    """A DestinationRule subset whose labels match none of the pods its host Service selects."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.istio import fqdn

    graph = routes.graph
    used = {(resolution.destination.resolved, resolution.destination.subset) for resolution in routes.resolutions
            if resolution.destination.subset}
    for rule in routes.destination_rules:
        host = rule.spec.get("host")
        if not isinstance(host, str):
            continue
        service = routes.service_for_host(host, rule.namespace)
        if service is None or service.namespace != rule.namespace or not graph.selected.get(service.ref):
            continue  # a Service that selects no pods is orphan-service-selector's finding
        base_selector = Selector.parse(service.spec.get("selector"), "Service")
        resolved = fqdn(host, rule.namespace)
        for index, labels, name in _subsets(rule):
            if not labels:
                continue
            path = ("spec", "subsets", index, "labels")
            selector = Selector((*(Requirement(r.key, r.operator, r.values, ()) for r in base_selector.requirements),
                                 *(Requirement(key, Operator.IN, frozenset({value}), (key,))
                                   for key, value in labels.items())))
            if graph.pods.pods_matching(rule.namespace, selector):
                continue
            hit = orphan_hit(graph, rule, selector, path,
                             f"subset {name!r} selects no pods of Service {service.name} ({selector})")
            if hit.held:
                yield hit
                continue
            routed = (resolved, name) in used
            yield Hit(hit.message + ("; requests routed to it fail" if routed else ""), hit.location, hit.related,
                      weaker=hit.weaker or not routed)


def _subsets(rule: Resource) -> Iterator[tuple[int, dict[str, str], str]]:
    """Each subset of a DestinationRule: its index, labels and name."""
    for index, raw in enumerate(sequence(rule.spec.get("subsets"))):
        raw = mapping(raw)
        yield index, string_map(raw.get("labels")), str(raw.get("name") or f"#{index}")


@check("istio-gateway-not-found")
def istio_gateway_not_found(tree: Tree, params: Params) -> Iterator[Hit]:
    """A VirtualService gateways entry naming an Istio Gateway the tree does not define."""
    routes = _routes(tree)
    if routes is None:
        return
    for ref in routes.gateway_refs:
        target: ObjectRef = ref.target
        if routes.graph.find("Gateway", target.namespace, target.name, ISTIO_GROUP) is not None:
            continue
        if routes.graph.unread_defines(target) is not None:
            continue
        written = ref.source.get(ref.path)
        hit = missing_target(routes.graph, ref.source, target, ref.path, isinstance(written, str) and "/" in written,
                             "gateway", routes.defines(ISTIO_GROUP, "Gateway", target.namespace))
        if hit is not None:
            yield hit


@check("istio-not-exported")
def istio_not_exported(tree: Tree, params: Params) -> Iterator[Hit]:
    """A mesh VirtualService routing to a Service or ServiceEntry, or to a DestinationRule's subset, that is not
    exported (``exportTo``) to the VirtualService's namespace: its sidecars do not see it."""
    routes = _routes(tree)
    if routes is None:
        return
    from kubelint.analysis.istio import export_list

    for resolution in routes.resolutions:
        destination = resolution.destination
        source = destination.source
        namespace = source.namespace
        target = routes.hidden_target(resolution)
        if target is not None:
            yield _hidden(routes, source, destination.host_path,
                          f"{target.kind} {target.name} (namespace {target.namespace}) is exported to "
                          f"{_shown(export_list(target))}, not to namespace {namespace}: the sidecars there, "
                          f"which this VirtualService configures, do not see host {destination.host}, so requests "
                          "routed to it fail (503)", target)
            continue
        hidden = routes.hidden_subset(destination)
        if hidden:
            rule = hidden[0]
            yield _hidden(routes, source, (*destination.path, "subset"),
                          f"subset {destination.subset!r} is defined by DestinationRule {rule.name} (namespace "
                          f"{rule.namespace}), which is exported to {_shown(export_list(rule))}, not to "
                          f"namespace {namespace}: the sidecars there do not know the subset, so requests routed to "
                          "it fail (503, no cluster)", rule)


def _shown(written: list[str] | None) -> str:
    """Where ``exportTo`` exports an object, in words (with the list as written)."""
    written = written or []
    listed = f"(exportTo: [{', '.join(written)}])"
    if "~" in written:
        return f"no namespace {listed}"
    names = ["its own namespace" if item == "." else f"namespace {item}" for item in written]
    return f"{', '.join(names)} only {listed}"


def _hidden(routes: IstioRoutes, source: Resource, path: tuple[str | int, ...], message: str,
            target: Resource) -> Hit:
    """The finding at ``path``, pointing at the target's ``exportTo``; held back when the tree runs no pods in the
    VirtualService's namespace (which sidecars use the route is then decided elsewhere)."""
    export_path = ("metadata", "annotations") if target.kind == "Service" else ("spec", "exportTo")
    related = (target.where(export_path, f"exportTo of {target.kind} {target.name}"),)
    if not routes.graph.pods.in_namespace(source.namespace):
        return Hit(message, source.where(path), related,
                   held=f"the tree runs no pods in namespace {source.namespace}: whether sidecars there use this "
                        "route is decided elsewhere")
    return Hit(message, source.where(path), related)
