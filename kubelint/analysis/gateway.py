"""Gateway API semantics: which listeners accept each route, what its backends and a Gateway's certificates
resolve to, and which cross-namespace references a ReferenceGrant permits.

As the Gateway API (``gateway.networking.k8s.io``) defines them:

- A route's ``parentRefs[]``: ``group`` defaults to ``gateway.networking.k8s.io``, ``kind`` to ``Gateway``,
  ``namespace`` to the route's. ``sectionName`` selects the listener of that name, ``port`` the listeners on that
  port (both set: both must match); neither: every listener. A parent that no listener matches is
  ``NoMatchingParent``. The route attaches when at least one selected listener accepts it.
- A listener accepts a route when ``allowedRoutes`` allows it: ``namespaces.from`` ``Same`` (the default: the
  Gateway's namespace), ``All``, or ``Selector`` (the route's namespace carries the labels; a namespace always
  carries ``kubernetes.io/metadata.name``); ``kinds`` lists the route kinds (group defaults to the Gateway API's),
  and when empty the listener's protocol decides (HTTP and HTTPS: HTTPRoute and GRPCRoute; TLS: TLSRoute and
  TCPRoute; TCP: TCPRoute; UDP: UDPRoute; a custom ``example.com/proto`` protocol accepts whatever its
  implementation says, taken as anything). None accepts: ``NotAllowedByListeners``.
- Hostnames (HTTPRoute, GRPCRoute, TLSRoute; listeners of protocol HTTP, HTTPS, TLS): a listener without
  ``hostname`` or a route without ``hostnames`` matches; otherwise some pair must intersect, where ``*.example.com``
  is a suffix match (``a.example.com`` and ``a.b.example.com``, not ``example.com``). None:
  ``NoMatchingListenerHostname``.
- ``backendRefs[]`` (and ``requestMirror`` filters' ``backendRef``): ``group`` defaults to ``""`` and ``kind`` to
  ``Service``; a Service reference needs a ``port`` (the API server refuses one without) that is one of the
  Service's ports; a missing Service is ``BackendNotFound``.
- A BackendTLSPolicy's ``targetRefs[]`` name objects of its own namespace (``group`` and ``kind`` required; a
  Service has core support); ``sectionName`` names one of the Service's ports by name. A target that does not
  resolve leaves the policy attached to nothing (``TargetNotFound``). Its ``validation.caCertificateRefs`` (a
  ConfigMap with the key ``ca.crt``) are ``uses`` edges of the resource graph, checked like every ConfigMap
  reference.
- A reference into another namespace (a backend, a listener's ``tls.certificateRefs``) needs a ReferenceGrant in
  the target namespace whose ``from`` names the referring kind and namespace and whose ``to`` names the target's
  group and kind (and its name, or no name: all of them). Otherwise ``RefNotPermitted``.

What the tree cannot decide is kept apart (``uncertain``): a Gateway, a namespace's labels or a Service that the
tree does not define may exist in the cluster; the checks decide what to say about it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import ResourceGraph, build_graph
from kubelint.findings import Path
from kubelint.model.resource import ObjectRef, Resource, mapping, sequence, text
from kubelint.model.selectors import Selector
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

GATEWAY_GROUP = "gateway.networking.k8s.io"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
HOSTNAME_ROUTES = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute"})
HOSTNAME_PROTOCOLS = frozenset({"HTTP", "HTTPS", "TLS"})
GRANT_KINDS = frozenset({"ReferenceGrant", "ReferencePolicy"})
"""ReferencePolicy is ReferenceGrant's name before v0.5; clusters that still serve it honour it."""
NAME_LABEL = "kubernetes.io/metadata.name"
CERT_MANAGER_GROUP = "cert-manager.io"

PROTOCOL_KINDS: dict[str, frozenset[str]] = {
    "HTTP": frozenset({"HTTPRoute", "GRPCRoute"}),
    "HTTPS": frozenset({"HTTPRoute", "GRPCRoute"}),
    "TLS": frozenset({"TLSRoute", "TCPRoute"}),
    "TCP": frozenset({"TCPRoute"}),
    "UDP": frozenset({"UDPRoute"}),
}
"""The route kinds a listener of each core protocol accepts when ``allowedRoutes.kinds`` is empty."""

ATTACHES_TO = "attaches-to"
ROUTES_TO = "routes-to"
SECURES = "secures"
"""A BackendTLSPolicy's edge to the Service (port) it makes the Gateway connect to over TLS."""
TLS_POLICY = "BackendTLSPolicy"

# attachment outcomes, named after the route's Accepted condition reasons
ACCEPTED = "Accepted"
NO_MATCHING_PARENT = "NoMatchingParent"
NOT_ALLOWED = "NotAllowedByListeners"
NO_HOSTNAME = "NoMatchingListenerHostname"
PARENT_MISSING = "ParentNotFound"
"""Not a condition (no controller reports on a parent that does not exist): the Gateway is not in the tree."""
OTHER_PARENT = "OtherParent"
"""A parent of a kind this analysis does not read (an implementation's own)."""


def is_gateway_api(resource: Resource) -> bool:
    return resource.ref.group == GATEWAY_GROUP


@record(frozen=True)
class Listener:
    """One ``spec.listeners[]`` entry of a Gateway."""

    index: int
    name: str
    port: int | None
    protocol: str
    hostname: str | None
    namespaces_from: str
    namespace_selector: Selector | None
    kinds: tuple[tuple[str, str], ...] | None
    """``allowedRoutes.kinds`` as (group, kind); None when empty (the protocol decides)."""

    @property
    def path(self) -> Path:
        return ("spec", "listeners", self.index)

    def describe(self) -> str:
        port = f" (port {self.port})" if self.port is not None else ""
        return f"listener {self.name}{port}"

    def accepted_kinds(self) -> frozenset[str] | None:
        """Route kinds (of the Gateway API group) the listener accepts; None: any (a custom protocol)."""
        if self.kinds is not None:
            return frozenset(kind for group, kind in self.kinds if group == GATEWAY_GROUP)
        return PROTOCOL_KINDS.get(self.protocol.upper())


@record(frozen=True)
class Reference:
    """A typed reference from one object to another (a parent, a backend, a certificate), with its defaults."""

    source: Resource
    path: Path
    """Where the reference is written (its mapping)."""
    target: ObjectRef
    port: int | None = None
    section: str | None = None
    written: frozenset[str] = frozenset()
    """The keys the reference writes (``port``, ``namespace``, ...)."""

    @property
    def name_path(self) -> Path:
        return (*self.path, "name")

    @property
    def cross_namespace(self) -> bool:
        return self.target.namespace != self.source.namespace


@record
class Attachment:
    """What became of one parentRef of a route."""

    route: Resource
    parent: Reference
    outcome: str
    gateway: Resource | None = None
    listeners: list[Listener] = field(default_factory=list)
    """The listeners that accept the route (``Accepted``), else the ones that came closest."""
    reasons: list[str] = field(default_factory=list)
    """Why each candidate listener refused the route."""
    uncertain: bool = False
    """The outcome depends on what the tree does not show (a namespace's labels)."""


@record
class Backend:
    """One backend reference of a route and what it resolves to."""

    route: Resource
    ref: Reference
    service: Resource | None
    port_problem: str = ""
    """Why the port does not name a port of the Service (empty when it does, or the Service is unknown)."""
    permitted: bool | None = True
    """Cross-namespace: a ReferenceGrant of the tree permits it (True), none does (False); same namespace: True."""

    @property
    def is_service(self) -> bool:
        return self.ref.target.group == "" and self.ref.target.kind == "Service"


@record
class PolicyTarget:
    """One ``targetRefs[]`` entry of a BackendTLSPolicy and the Service it resolves to."""

    policy: Resource
    ref: Reference
    service: Resource | None
    port_problem: str = ""
    """Why ``sectionName`` names no port of the Service (empty when it does, or the Service is unknown)."""

    @property
    def is_service(self) -> bool:
        return self.ref.target.group == "" and self.ref.target.kind == "Service"


@record
class Certificate:
    """One ``tls.certificateRefs[]`` entry of a Gateway listener."""

    gateway: Resource
    listener: Listener
    ref: Reference
    secret: Resource | None
    permitted: bool | None = True


def hostnames_intersect(first: str, second: str) -> bool:
    """Whether two Gateway API hostnames (either may be a ``*.`` wildcard) match a common host."""
    if first == second:
        return True
    first_wild, second_wild = first.startswith("*."), second.startswith("*.")
    if first_wild and second_wild:
        return first[1:].endswith(second[1:]) or second[1:].endswith(first[1:])
    if first_wild:
        return second.endswith(first[1:])
    if second_wild:
        return first.endswith(second[1:])
    return False


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_listeners(gateway: Resource) -> list[Listener]:
    """The listeners of a Gateway, read defensively (a wrong type reads as absent)."""
    found = []
    for index, raw in enumerate(sequence(gateway.spec.get("listeners"))):
        raw = mapping(raw)
        allowed = mapping(raw.get("allowedRoutes"))
        namespaces = mapping(allowed.get("namespaces"))
        origin = text(namespaces.get("from")) or "Same"
        selector = Selector.from_label_selector(namespaces.get("selector")) if origin == "Selector" else None
        kinds: tuple[tuple[str, str], ...] | None = None
        raw_kinds = sequence(allowed.get("kinds"))
        if raw_kinds:
            kinds = tuple(_group_kind(mapping(item)) for item in raw_kinds)
        found.append(Listener(index, text(raw.get("name")) or f"#{index}", _int(raw.get("port")),
                              text(raw.get("protocol")) or "", text(raw.get("hostname")), origin, selector, kinds))
    return found


def _group_kind(raw: Any) -> tuple[str, str]:
    group = text(raw.get("group")) if "group" in raw else GATEWAY_GROUP
    return group or "", text(raw.get("kind")) or ""


def _reference(source: Resource, raw: Any, path: Path, group: str, kind: str) -> Reference | None:
    """A Gateway API object reference with its defaults (``group``/``kind`` when not written)."""
    raw = mapping(raw)
    name = text(raw.get("name"))
    if not name:
        return None
    target_group = text(raw.get("group")) if "group" in raw else group
    target_kind = text(raw.get("kind")) if "kind" in raw else kind
    namespace = text(raw.get("namespace")) or source.namespace
    return Reference(source, path, ObjectRef(target_group or "", target_kind or "", namespace, name),
                     _int(raw.get("port")), text(raw.get("sectionName")), frozenset(str(key) for key in raw))


def route_hostnames(route: Resource) -> list[str]:
    return [item for item in sequence(route.spec.get("hostnames")) if isinstance(item, str)]


def backend_references(route: Resource) -> Iterator[Reference]:
    """Every backend a route names: ``rules[].backendRefs[]`` and the ``requestMirror`` filters' ``backendRef``
    (of the rule and of each backend)."""
    for rule_index, rule in enumerate(sequence(route.spec.get("rules"))):
        rule = mapping(rule)
        rule_path: Path = ("spec", "rules", rule_index)
        yield from _mirrors(route, rule.get("filters"), (*rule_path, "filters"))
        for index, raw in enumerate(sequence(rule.get("backendRefs"))):
            path: Path = (*rule_path, "backendRefs", index)
            found = _reference(route, raw, path, "", "Service")
            if found is not None:
                yield found
            yield from _mirrors(route, mapping(raw).get("filters"), (*path, "filters"))


def _mirrors(route: Resource, filters: Any, path: Path) -> Iterator[Reference]:
    for index, raw in enumerate(sequence(filters)):
        mirror = mapping(mapping(raw).get("requestMirror"))
        found = _reference(route, mirror.get("backendRef"), (*path, index, "requestMirror", "backendRef"), "",
                           "Service")
        if found is not None:
            yield found


class GatewayRoutes:
    """The Gateway API objects of one tree, resolved against each other and the tree's Services and Secrets."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.graph: ResourceGraph = build_graph(tree)
        resources = list(tree.by_ref.values())
        self.gateways: dict[ObjectRef, list[Listener]] = {
            resource.ref: parse_listeners(resource) for resource in resources
            if is_gateway_api(resource) and resource.kind == "Gateway"}
        self.routes = [resource for resource in resources
                       if is_gateway_api(resource) and resource.kind in ROUTE_KINDS]
        self.grants: dict[str | None, list[Resource]] = defaultdict(list)
        for resource in resources:
            if resource.kind in GRANT_KINDS and resource.ref.group in (GATEWAY_GROUP, "gateway.networking.x-k8s.io"):
                self.grants[resource.namespace].append(resource)
        self.present = {(resource.ref.group, resource.kind, resource.namespace) for resource in resources}
        self.issued_secrets = {(resource.namespace, name) for resource in resources
                               if resource.ref.group == CERT_MANAGER_GROUP and resource.kind == "Certificate"
                               and (name := text(resource.spec.get("secretName")))}
        """Secrets a cert-manager Certificate of the tree creates: (namespace, name)."""
        self.namespace_labels: dict[str, dict[str, str]] = {
            resource.name: {**resource.labels, NAME_LABEL: resource.name} for resource in resources
            if resource.ref.group == "" and resource.kind == "Namespace"}
        self.attachments = [attachment for route in self.routes for attachment in self._attach(route)]
        self.backends = [self._backend(route, ref) for route in self.routes for ref in backend_references(route)]
        self.certificates = list(self._certificates())
        self.policy_targets = [self._policy_target(resource, index, raw) for resource in resources
                               if is_gateway_api(resource) and resource.kind == TLS_POLICY
                               for index, raw in enumerate(sequence(resource.spec.get("targetRefs")))
                               if text(mapping(raw).get("name"))]
        self._edges_added = False

    def defines(self, group: str, kind: str, namespace: str | None) -> bool:
        """Whether the tree defines any object of a group and kind in a namespace."""
        return (group, kind, namespace) in self.present

    # parents ------------------------------------------------------------------------------------

    def _attach(self, route: Resource) -> Iterator[Attachment]:
        for index, raw in enumerate(sequence(route.spec.get("parentRefs"))):
            parent = _reference(route, raw, ("spec", "parentRefs", index), GATEWAY_GROUP, "Gateway")
            if parent is not None:
                yield self.attach(route, parent)

    def attach(self, route: Resource, parent: Reference) -> Attachment:
        """The outcome of one parentRef."""
        target = parent.target
        if target.group != GATEWAY_GROUP or target.kind != "Gateway":
            return Attachment(route, parent, OTHER_PARENT)
        gateway = self.graph.find("Gateway", target.namespace, target.name, GATEWAY_GROUP)
        if gateway is None:
            return Attachment(route, parent, PARENT_MISSING)
        listeners = self.gateways.get(gateway.ref, [])
        selected = [listener for listener in listeners
                    if (parent.section is None or listener.name == parent.section)
                    and (parent.port is None or listener.port == parent.port)]
        if not selected:
            return Attachment(route, parent, NO_MATCHING_PARENT, gateway, [], [])
        allowed, reasons, uncertain = [], [], False
        for listener in selected:
            reason, unknown = self.refusal(listener, gateway, route)
            if reason is None:
                allowed.append(listener)
                uncertain = uncertain or unknown
            else:
                reasons.append(f"{listener.describe()} {reason}")
        if not allowed:
            return Attachment(route, parent, NOT_ALLOWED, gateway, selected, reasons)
        hosts = route_hostnames(route) if route.kind in HOSTNAME_ROUTES else []
        matching = [listener for listener in allowed if self.host_matches(listener, hosts)]
        if not matching:
            return Attachment(route, parent, NO_HOSTNAME, gateway, allowed,
                              [f"{listener.describe()} serves hostname {listener.hostname}" for listener in allowed])
        return Attachment(route, parent, ACCEPTED, gateway, matching, reasons, uncertain)

    @staticmethod
    def host_matches(listener: Listener, hosts: list[str]) -> bool:
        if not hosts or not listener.hostname or listener.protocol.upper() not in HOSTNAME_PROTOCOLS:
            return True
        return any(hostnames_intersect(listener.hostname, host) for host in hosts)

    def refusal(self, listener: Listener, gateway: Resource, route: Resource) -> tuple[str | None, bool]:
        """Why a listener does not accept a route (None: it does), and whether that depends on what the tree
        does not show (a namespace's labels)."""
        kinds = listener.accepted_kinds()
        if kinds is not None and route.kind not in kinds:
            allowed = ", ".join(sorted(kinds)) or "no route kind of the Gateway API"
            source = "allowedRoutes.kinds" if listener.kinds is not None else f"protocol {listener.protocol}"
            return f"accepts only {allowed} ({source})", False
        origin = listener.namespaces_from
        if origin == "All":
            return None, False
        if origin == "Same":
            if route.namespace == gateway.namespace:
                return None, False
            return (f"accepts routes of namespace {gateway.namespace} only (allowedRoutes.namespaces.from: Same), "
                    f"not of {route.namespace}"), False
        if origin == "Selector":
            return self._selected(listener.namespace_selector, route.namespace or "")
        if origin == "None":
            return "accepts no routes (allowedRoutes.namespaces.from: None)", False
        return None, True  # a value the API refuses: schema validation says so

    def _selected(self, selector: Selector | None, namespace: str) -> tuple[str | None, bool]:
        if selector is None or selector.problems:
            return None, True  # refused by the API server: schema validation says so
        labels = self.namespace_labels.get(namespace)
        if labels is not None:
            if selector.matches(labels):
                return None, False
            return (f"selects namespaces {selector} (allowedRoutes.namespaces.selector), and Namespace "
                    f"{namespace} does not carry those labels"), False
        # the tree does not define the namespace: only its name label is known
        by_name = [r for r in selector.requirements if r.key == NAME_LABEL]
        if not all(r.matches({NAME_LABEL: namespace}) for r in by_name):
            return (f"selects namespaces {selector} (allowedRoutes.namespaces.selector), which excludes "
                    f"namespace {namespace}"), False
        return None, len(by_name) < len(selector.requirements)

    # backends -----------------------------------------------------------------------------------

    def _backend(self, route: Resource, ref: Reference) -> Backend:
        target = ref.target
        service = None
        problem = ""
        if target.group == "" and target.kind == "Service":
            service = self.graph.find("Service", target.namespace, target.name, "")
            if service is not None:
                problem = self.port_problem(service, ref)
        permitted = self.permitted(route, ref) if ref.cross_namespace else True
        return Backend(route, ref, service, problem, permitted)

    @staticmethod
    def port_problem(service: Resource, ref: Reference) -> str:
        if "port" not in ref.written:
            return "names no port (a Service backend needs one)"
        if service.spec.get("type") == "ExternalName":
            return ""
        numbers = [_int(mapping(item).get("port")) for item in sequence(service.spec.get("ports"))]
        if ref.port is None or ref.port in numbers:
            return ""
        shown = ", ".join(str(number) for number in numbers if number is not None) or "none"
        return f"Service {service.name} has no port {ref.port} (its ports: {shown})"

    def grant_for(self, source: Resource, ref: Reference) -> Resource | None:
        """A ReferenceGrant of the tree that permits ``source`` to refer to ``ref``'s target, or None."""
        target = ref.target
        for grant in self.grants.get(target.namespace, ()):
            froms = [mapping(item) for item in sequence(grant.spec.get("from"))]
            tos = [mapping(item) for item in sequence(grant.spec.get("to"))]
            if not any(text(item.get("group")) == source.ref.group and text(item.get("kind")) == source.kind
                       and text(item.get("namespace")) == source.namespace for item in froms):
                continue
            if any((text(item.get("group")) or "") == target.group and text(item.get("kind")) == target.kind
                   and (not text(item.get("name")) or text(item.get("name")) == target.name) for item in tos):
                return grant
        return None

    def permitted(self, source: Resource, ref: Reference) -> bool:
        return self.grant_for(source, ref) is not None

    # certificates -------------------------------------------------------------------------------

    def _certificates(self) -> Iterator[Certificate]:
        for ref, listeners in self.gateways.items():
            gateway = self.tree.by_ref[ref]
            for listener in listeners:
                tls = mapping(mapping(gateway.get(listener.path)).get("tls"))
                if text(tls.get("mode")) == "Passthrough":
                    continue  # certificateRefs are ignored
                for index, raw in enumerate(sequence(tls.get("certificateRefs"))):
                    found = _reference(gateway, raw, (*listener.path, "tls", "certificateRefs", index), "", "Secret")
                    if found is None:
                        continue
                    secret = None
                    if found.target.group == "" and found.target.kind == "Secret":
                        secret = self.graph.find("Secret", found.target.namespace, found.target.name, "")
                    permitted = self.permitted(gateway, found) if found.cross_namespace else True
                    yield Certificate(gateway, listener, found, secret, permitted)

    # BackendTLSPolicy ---------------------------------------------------------------------------

    def _policy_target(self, policy: Resource, index: int, raw: Any) -> PolicyTarget:
        """A BackendTLSPolicy target: a local reference (no ``namespace``), ``group`` and ``kind`` written."""
        raw = {key: value for key, value in mapping(raw).items() if key != "namespace"}
        ref = _reference(policy, raw, ("spec", "targetRefs", index), "", "Service")
        assert ref is not None  # the caller keeps entries with a name
        service = None
        problem = ""
        if ref.target.group == "" and ref.target.kind == "Service":
            service = self.graph.find("Service", ref.target.namespace, ref.target.name, "")
            if service is not None and ref.section:
                names = [text(mapping(item).get("name")) for item in sequence(service.spec.get("ports"))]
                if ref.section not in names:
                    shown = ", ".join(name for name in names if name) or "none"
                    problem = f"Service {service.name} has no port named {ref.section!r} (its port names: {shown})"
        return PolicyTarget(policy, ref, service, problem)

    # graph edges --------------------------------------------------------------------------------

    def add_edges(self) -> None:
        """Add ``attaches-to`` (route -> Gateway, with the accepting listeners' ports) and ``routes-to`` (route ->
        Service, with the backend port) to the resource graph, once: only views need them."""
        if self._edges_added:
            return
        self._edges_added = True
        for attachment in self.attachments:
            if attachment.outcome == OTHER_PARENT:
                continue
            ports = [f"{listener.name}:{listener.port}" for listener in attachment.listeners
                     if attachment.outcome == ACCEPTED]
            target = attachment.gateway.ref if attachment.gateway is not None else attachment.parent.target
            self.graph.add_edge(attachment.route.ref, target, ATTACHES_TO, attachment.parent.name_path,
                                ports=ports, outcome=attachment.outcome)
        for backend in self.backends:
            target = backend.service.ref if backend.service is not None else backend.ref.target
            ports = [] if backend.ref.port is None else [str(backend.ref.port)]
            problem = ("no ReferenceGrant in the tree" if backend.permitted is False else
                       "not in the tree" if backend.service is None else
                       "no such port" if backend.port_problem else "")
            self.graph.add_edge(backend.route.ref, target, ROUTES_TO, backend.ref.name_path, ports=ports,
                                broken=backend.service is None or bool(problem), problem=problem)
        for policy_target in self.policy_targets:
            if not policy_target.is_service:
                continue
            ref = policy_target.ref
            target = policy_target.service.ref if policy_target.service is not None else ref.target
            problem = ("not in the tree" if policy_target.service is None else
                       "no such port" if policy_target.port_problem else "")
            self.graph.add_edge(policy_target.policy.ref, target, SECURES, ref.name_path,
                                ports=[ref.section] if ref.section else [], broken=bool(problem), problem=problem)


@analysis_of("gateway-routes")
def build_gateway_routes(tree: Tree) -> GatewayRoutes:
    """The Gateway API analysis of a tree, built once per tree on first use."""
    return GatewayRoutes(tree)

