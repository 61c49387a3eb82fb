"""Istio traffic routing: what each VirtualService destination, subset and gateway resolves to.

As Istio (``networking.istio.io``) reads them:

- A host without a dot is a short name, interpreted in the namespace of the object that writes it (not the
  Service's): ``reviews`` in a VirtualService of ``shop`` means ``reviews.shop.svc.cluster.local``. A host with a
  dot is taken as written (``reviews.shop`` is not expanded). ``*.svc.cluster.local`` hosts name a Service
  (``<name>.<namespace>.svc.cluster.local``); other hosts are ServiceEntry hosts (which may be wildcards,
  ``*.example.com``).
- A destination's ``port`` selects a port of the Service; it may be left out only when the Service has one port.
- A destination's ``subset`` must be a ``subsets[].name`` of a DestinationRule for the same host; a subset's
  ``labels`` narrow the Service's endpoints to pods carrying them as well.
- ``gateways`` (of the VirtualService, or of an ``http[].match[]``) name Istio Gateways: ``<namespace>/<name>``,
  or ``<name>`` in the VirtualService's namespace; ``mesh`` is every sidecar.
- ``exportTo`` (of a VirtualService, DestinationRule or ServiceEntry; the ``networking.istio.io/exportTo``
  annotation of a Service, comma-separated) lists the namespaces whose proxies see the object: ``.`` its own,
  ``*`` all, ``~`` none, or names. Unwritten, the mesh's default applies (every namespace unless MeshConfig says
  otherwise, which the tree does not show). A proxy always sees the DestinationRules of its own namespace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.analysis.gateway import ATTACHES_TO, ROUTES_TO
from kubelint.analysis.graph import ResourceGraph, build_graph
from kubelint.findings import Path
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, string_map, text
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

ISTIO_GROUP = "networking.istio.io"
EXPORT_ANNOTATION = "networking.istio.io/exportTo"
CLUSTER_DOMAIN = "cluster.local"
MESH = "mesh"
ROUTE_SECTIONS = ("http", "tls", "tcp")


def is_istio(resource: Resource, kind: str) -> bool:
    return resource.ref.group == ISTIO_GROUP and resource.kind == kind


def fqdn(host: str, namespace: str | None) -> str:
    """A host as Istio resolves it in an object of ``namespace``: a short name gets the namespace and the
    cluster domain, anything with a dot (or ``*``) stays as written."""
    if host == "*" or "." in host or not namespace:
        return host
    return f"{host}.{namespace}.svc.{CLUSTER_DOMAIN}"


def export_list(resource: Resource) -> list[str] | None:
    """The namespaces an Istio object (``spec.exportTo``) or a Service (its ``networking.istio.io/exportTo``
    annotation) is exported to, as written; None when not written (the mesh's default)."""
    if resource.ref.group == "" and resource.kind == "Service":
        value = resource.annotations.get(EXPORT_ANNOTATION)
        if not isinstance(value, str) or not value.strip():
            return None
        return [part.strip() for part in value.split(",") if part.strip()]
    written = resource.spec.get("exportTo")
    if not isinstance(written, list) or not written:
        return None
    return [item for item in written if isinstance(item, str)]


def exported_to(resource: Resource, namespace: str | None) -> bool:
    """Whether the proxies of ``namespace`` see ``resource`` (its own namespace always counts: only
    cross-namespace visibility is decided here)."""
    if namespace is None or namespace == resource.namespace:
        return True
    written = export_list(resource)
    if written is None:
        return True  # the mesh's default, which the tree does not show: taken as every namespace
    return "*" in written or namespace in written


def mesh_bound(service: Resource) -> bool:
    """Whether a VirtualService applies to sidecars (``gateways`` unwritten, or naming ``mesh``)."""
    gateways = sequence(service.spec.get("gateways"))
    return not gateways or MESH in gateways


def service_of(host: str) -> tuple[str, str] | None:
    """``(name, namespace)`` of a ``<name>.<namespace>.svc.cluster.local`` host, else None."""
    suffix = f".svc.{CLUSTER_DOMAIN}"
    if not host.endswith(suffix):
        return None
    parts = host[: -len(suffix)].split(".")
    if len(parts) != 2 or not all(parts) or "*" in host:
        return None
    return parts[0], parts[1]


def host_matches(pattern: str, host: str) -> bool:
    """Whether a ServiceEntry host (``*.example.com`` is a suffix match, ``*`` anything) covers ``host``."""
    if pattern == "*" or pattern == host:
        return True
    return pattern.startswith("*.") and host.endswith(pattern[1:])


@record(frozen=True)
class Destination:
    """One ``route[].destination`` (or ``mirror``) of a VirtualService."""

    source: Resource
    path: Path
    """Where the destination mapping is written."""
    host: str
    resolved: str
    subset: str | None
    port: int | None
    port_written: bool

    @property
    def host_path(self) -> Path:
        return (*self.path, "host")


@record
class Resolution:
    """What a destination's host names in the tree."""

    destination: Destination
    service: Resource | None = None
    entry: Resource | None = None
    """A ServiceEntry whose hosts cover the host."""
    target: ObjectRef | None = None
    """The Service the host names when it names one (``*.svc.cluster.local`` or a short name)."""


@record(frozen=True)
class GatewayRef:
    """One entry of a VirtualService's ``gateways``."""

    source: Resource
    path: Path
    target: ObjectRef


def destinations(service: Resource) -> Iterator[Destination]:
    """Every destination of a VirtualService: ``http|tls|tcp[].route[].destination``, ``http[].mirror`` and
    ``http[].mirrors[].destination``."""
    spec = service.spec
    for section in ROUTE_SECTIONS:
        for index, rule in enumerate(sequence(spec.get(section))):
            rule = mapping(rule)
            base: Path = ("spec", section, index)
            for number, route in enumerate(sequence(rule.get("route"))):
                found = _destination(service, mapping(route).get("destination"), (*base, "route", number,
                                                                                   "destination"))
                if found is not None:
                    yield found
            if section == "http":
                found = _destination(service, rule.get("mirror"), (*base, "mirror"))
                if found is not None:
                    yield found
                for number, mirror in enumerate(sequence(rule.get("mirrors"))):
                    found = _destination(service, mapping(mirror).get("destination"),
                                         (*base, "mirrors", number, "destination"))
                    if found is not None:
                        yield found


def _destination(source: Resource, raw: Any, path: Path) -> Destination | None:
    raw = mapping(raw)
    host = text(raw.get("host"))
    if not host:
        return None
    port = mapping(raw.get("port"))
    number = port.get("number")
    return Destination(source, path, host, fqdn(host, source.namespace), text(raw.get("subset")),
                       number if isinstance(number, int) and not isinstance(number, bool) else None,
                       "number" in port)


def gateway_refs(service: Resource) -> Iterator[GatewayRef]:
    """The Istio Gateways a VirtualService names (``spec.gateways`` and ``http[].match[].gateways``)."""
    places: list[tuple[Any, Path]] = [(service.spec.get("gateways"), ("spec", "gateways"))]
    for index, rule in enumerate(sequence(service.spec.get("http"))):
        for number, match in enumerate(sequence(mapping(rule).get("match"))):
            places.append((mapping(match).get("gateways"), ("spec", "http", index, "match", number, "gateways")))
    for raw, path in places:
        for index, item in enumerate(sequence(raw)):
            if not isinstance(item, str) or not item or item == MESH:
                continue
            namespace, _, name = item.rpartition("/")
            yield GatewayRef(service, (*path, index),
                             ObjectRef(ISTIO_GROUP, "Gateway", namespace or service.namespace, name))


class IstioRoutes:
    """The Istio routing objects of one tree, resolved against its Services, ServiceEntries and Gateways."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.graph: ResourceGraph = build_graph(tree)
        resources = list(tree.by_ref.values())
        self.virtual_services = [resource for resource in resources if is_istio(resource, "VirtualService")]
        self.destination_rules = [resource for resource in resources if is_istio(resource, "DestinationRule")]
        self.entry_hosts: list[tuple[str, Resource]] = [
            (fqdn(host, resource.namespace), resource) for resource in resources
            if is_istio(resource, "ServiceEntry")
            for host in sequence(resource.spec.get("hosts")) if isinstance(host, str)]
        self.present = {(resource.ref.group, resource.kind, resource.namespace) for resource in resources}
        self.rules_by_host: dict[str, list[Resource]] = {}
        for rule in self.destination_rules:
            host = text(rule.spec.get("host"))
            if host:
                self.rules_by_host.setdefault(fqdn(host, rule.namespace), []).append(rule)
        self.resolutions = [self.resolve(found) for service in self.virtual_services
                            for found in destinations(service)]
        self.gateway_refs = [ref for service in self.virtual_services for ref in gateway_refs(service)]
        self._edges_added = False

    def defines(self, group: str, kind: str, namespace: str | None) -> bool:
        return (group, kind, namespace) in self.present

    def resolve(self, destination: Destination) -> Resolution:
        found = Resolution(destination)
        named = service_of(destination.resolved)
        if named is not None:
            name, namespace = named
            found.target = ObjectRef("", "Service", namespace, name)
            found.service = self.graph.find("Service", namespace, name, "")
        if found.service is None:
            found.entry = self.entry_for(destination.resolved)
        return found

    def entry_for(self, host: str) -> Resource | None:
        for pattern, entry in self.entry_hosts:
            if host_matches(pattern, host):
                return entry
        return None

    def service_for_host(self, host: str, namespace: str | None) -> Resource | None:
        """The Service a host (as written in an object of ``namespace``) names, when the tree defines it."""
        named = service_of(fqdn(host, namespace))
        return None if named is None else self.graph.find("Service", named[1], named[0], "")

    def subsets(self, host: str) -> list[tuple[Resource, int, dict[str, str], str]]:
        """Every subset the tree's DestinationRules define for a resolved host: (rule, index, labels, name)."""
        found = []
        for rule in self.rules_by_host.get(host, ()):
            for index, raw in enumerate(sequence(rule.spec.get("subsets"))):
                raw = mapping(raw)
                name = text(raw.get("name"))
                if name:
                    found.append((rule, index, string_map(raw.get("labels")), name))
        return found

    def hidden_target(self, resolution: Resolution) -> Resource | None:
        """The Service or ServiceEntry a mesh VirtualService's destination resolves to, when it is not exported to
        the VirtualService's namespace (whose sidecars the route configures); None otherwise."""
        source = resolution.destination.source
        if not mesh_bound(source) or not exported_to(source, source.namespace):
            return None
        target = resolution.service or resolution.entry
        if target is None or exported_to(target, source.namespace):
            return None
        if any(exported_to(entry, source.namespace) for pattern, entry in self.entry_hosts
               if host_matches(pattern, resolution.destination.resolved)):
            return None  # a ServiceEntry of the host is exported there: the sidecars know the host
        return target

    def hidden_subset(self, destination: Destination) -> list[Resource]:
        """The DestinationRules that define a mesh VirtualService's destination subset but are not exported to the
        VirtualService's namespace, when no rule that is exported there defines it (empty otherwise, and when no
        rule defines it at all: ``istio-subset-not-found``)."""
        source = destination.source
        if not destination.subset or not mesh_bound(source) or not exported_to(source, source.namespace):
            return []
        defining = [rule for rule, _, _, name in self.subsets(destination.resolved) if name == destination.subset]
        if any(exported_to(rule, source.namespace) for rule in defining):
            return []
        return list({id(rule): rule for rule in defining}.values())

    def add_edges(self) -> None:
        """Add ``routes-to`` (VirtualService -> Service, with the port and subset) and ``attaches-to``
        (VirtualService -> Istio Gateway) to the resource graph, once: only views need them."""
        if self._edges_added:
            return
        self._edges_added = True
        for resolution in self.resolutions:
            destination = resolution.destination
            target = (resolution.service.ref if resolution.service is not None else
                      resolution.entry.ref if resolution.entry is not None else resolution.target)
            if target is None:
                continue
            ports = [str(destination.port)] if destination.port is not None else []
            if destination.subset:
                ports.append(f"subset {destination.subset}")
            missing = resolution.service is None and resolution.entry is None
            hidden = not missing and (self.hidden_target(resolution) is not None
                                      or bool(self.hidden_subset(destination)))
            problem = ("not in the tree" if missing else
                       f"not exported to {destination.source.namespace}" if hidden else "")
            self.graph.add_edge(destination.source.ref, target, ROUTES_TO, destination.host_path, ports=ports,
                                broken=missing or hidden, problem=problem)
        for ref in self.gateway_refs:
            found = self.graph.find("Gateway", ref.target.namespace, ref.target.name, ISTIO_GROUP)
            self.graph.add_edge(ref.source.ref, found.ref if found is not None else ref.target, ATTACHES_TO,
                                ref.path, ports=[], broken=found is None,
                                problem="not in the tree" if found is None else "")


@analysis_of("istio-routes")
def build_istio_routes(tree: Tree) -> IstioRoutes:
    """The Istio routing analysis of a tree, built once per tree on first use."""
    return IstioRoutes(tree)
