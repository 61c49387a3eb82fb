"""NetworkPolicy semantics as the Kubernetes API defines them: isolation, default deny, peers, ports, reach.

- Effective ``policyTypes``: as written; when omitted (or empty), Ingress always and Egress only when
  ``egress`` is non-empty (the API server's defaulting).
- ``spec.podSelector`` missing or ``{}`` selects every pod of the policy's namespace. A pod is isolated for a
  direction when any policy selecting it has that direction among its effective types.
- ``ingress``/``egress`` missing or ``[]`` admit nothing; a rule without ``from``/``to`` (``[{}]``) admits every
  peer, a rule without ``ports`` every port.
- A peer: ``podSelector`` alone = pods of the policy's namespace; ``namespaceSelector`` alone = every pod of the
  matching namespaces; both in one element = those pods in those namespaces (AND); separate elements = OR;
  ``ipBlock`` (``cidr`` minus ``except``) = addresses, taken as outside the tree.
- Namespaces match on their labels plus ``kubernetes.io/metadata.name``, which every namespace carries. The
  namespaces the tree knows are its Namespace objects (labels known) and every namespace an object names
  (only the name label known).
- Ports: a number, a name resolved on each destination pod's containers (so one named port can mean different
  numbers on different pods), an ``endPort`` range, a protocol (default TCP); no ``port`` = every port.

What the tree cannot decide stays open: pods created by operators have unknown containers (so unknown port
numbers), a namespace the tree does not define may carry any label, a namespace in which the tree creates no
pods may hold any pods. :class:`Network` is built once per tree (the ``network`` analysis) and also adds the policy
edges to the resource graph (``isolates``, ``allows-from``, ``allows-to``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any, NamedTuple

from kubelint.analysis import analysis_of
from kubelint.analysis.graph import ResourceGraph, build_graph
from kubelint.findings import Location, Path
from kubelint.model.resource import ContainerPort, ObjectRef, Resource, mapping, sequence, text
from kubelint.model.selectors import EXISTS, IN, PodGroup, Selector
from kubelint.records import record, value_tuple

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

INGRESS, EGRESS = "Ingress", "Egress"
DIRECTIONS = (INGRESS, EGRESS)
NAME_LABEL = "kubernetes.io/metadata.name"
"""The label the API server sets on every namespace: its name."""

DNS_PORT = 53

ISOLATES = "isolates"
ALLOWS_FROM = "allows-from"
ALLOWS_TO = "allows-to"

NETWORKING_GROUP = "networking.k8s.io"


# the parsed policy --------------------------------------------------------------------------------


@value_tuple
class PolicyPort(NamedTuple):
    """One ``ports`` entry: protocol, a number or a name (None: every port), an optional end of range."""

    protocol: str
    port: int | str | None
    end_port: int | None
    path: Path

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol}/*"
        if self.end_port is not None and isinstance(self.port, int):
            return f"{self.protocol}/{self.port}-{self.end_port}"
        return f"{self.protocol}/{self.port}"

    def covers_number(self, number: int, protocol: str) -> bool:
        """Whether a numeric port of a protocol is in this entry (a named entry never is)."""
        if protocol != self.protocol:
            return False
        if self.port is None:
            return True
        if not isinstance(self.port, int):
            return False
        end = self.end_port if self.end_port is not None and self.end_port >= self.port else self.port
        return self.port <= number <= end

    def numbers_on(self, group: PodGroup) -> set[int] | None:
        """The numbers this entry means on the pods of a group (a name resolves on their containers);
        None when unknown (the containers are not in the tree)."""
        return port_numbers(group, self.port, self.protocol)


@value_tuple
class Peer(NamedTuple):
    """One ``from``/``to`` element."""

    path: Path
    pods: Selector | None = None
    """The podSelector, None when absent (every pod of the selected namespaces)."""
    namespaces: Selector | None = None
    """The namespaceSelector, None when absent (the policy's own namespace)."""
    cidr: str | None = None
    excepts: tuple[str, ...] = ()
    invalid: bool = False
    """The API server refuses this peer (empty, ipBlock mixed with selectors, a bad selector)."""

    @property
    def is_ip_block(self) -> bool:
        return self.cidr is not None

    def __str__(self) -> str:
        if self.cidr is not None:
            return f"ipBlock {self.cidr}" + (f" except {', '.join(self.excepts)}" if self.excepts else "")
        parts = []
        if self.namespaces is not None:
            parts.append(f"namespaces {self.namespaces}")
        if self.pods is not None or self.namespaces is None:
            parts.append(f"pods {self.pods or Selector.everything()}")
        return " and ".join(parts)


@value_tuple
class PolicyRule(NamedTuple):
    """One ingress or egress rule."""

    path: Path
    peers: tuple[Peer, ...] | None
    """None: every source (ingress) or destination (egress)."""
    ports: tuple[PolicyPort, ...] | None
    """None: every port."""


@record(frozen=True, eq=False)
class Policy:
    """A NetworkPolicy read with the API's semantics."""

    resource: Resource
    selector: Selector
    types: frozenset[str]
    ingress: tuple[PolicyRule, ...]
    egress: tuple[PolicyRule, ...]

    @property
    def ref(self) -> ObjectRef:
        return self.resource.ref

    @property
    def namespace(self) -> str | None:
        return self.resource.namespace

    def rules(self, direction: str) -> tuple[PolicyRule, ...]:
        return self.ingress if direction == INGRESS else self.egress

    def is_default_deny(self, direction: str) -> bool:
        """Selects every pod of its namespace, isolates them for ``direction`` and admits nothing (for egress:
        nothing but DNS, port 53, the usual companion of a default deny folded into one policy)."""
        if not self.selector.selects_everything or direction not in self.types:
            return False
        rules = self.rules(direction)
        return not rules or (direction == EGRESS and all(
            rule.ports is not None and all(port.port == DNS_PORT for port in rule.ports) for rule in rules))

    def admits_all(self, direction: str) -> bool:
        """Has a rule for ``direction`` that admits every peer on every port."""
        return direction in self.types and any(rule.peers is None and rule.ports is None
                                               for rule in self.rules(direction))


def is_network_policy(resource: Resource) -> bool:
    return resource.kind == "NetworkPolicy" and resource.ref.group in (NETWORKING_GROUP, "extensions")


def effective_types(spec: Any) -> frozenset[str]:
    """The policy types the API server stores: as written, else Ingress plus Egress when egress rules exist."""
    spec = mapping(spec)
    written = [item for item in sequence(spec.get("policyTypes")) if item in DIRECTIONS]
    if sequence(spec.get("policyTypes")):
        return frozenset(written)
    return frozenset({INGRESS, EGRESS} if sequence(spec.get("egress")) else {INGRESS})


def parse_policy(resource: Resource) -> Policy:
    """Read a NetworkPolicy defensively (a wrong type reads as absent)."""
    spec = resource.spec
    selector = Selector.parse(spec.get("podSelector"), "NetworkPolicy")
    rules: dict[str, tuple[PolicyRule, ...]] = {}
    for direction, key, peer_key in ((INGRESS, "ingress", "from"), (EGRESS, "egress", "to")):
        rules[direction] = tuple(
            _rule(mapping(raw), ("spec", key, index), peer_key)
            for index, raw in enumerate(sequence(spec.get(key)))
        )
    return Policy(resource, selector, effective_types(spec), rules[INGRESS], rules[EGRESS])


def _rule(raw: Any, path: Path, peer_key: str) -> PolicyRule:
    raw_peers = sequence(raw.get(peer_key))
    peers = tuple(_peer(mapping(item), (*path, peer_key, index)) for index, item in enumerate(raw_peers))
    raw_ports = sequence(raw.get("ports"))
    ports = tuple(_port(mapping(item), (*path, "ports", index)) for index, item in enumerate(raw_ports))
    return PolicyRule(path, peers or None, ports or None)


def _peer(raw: Any, path: Path) -> Peer:
    has_pods, has_namespaces = raw.get("podSelector") is not None, raw.get("namespaceSelector") is not None
    block = raw.get("ipBlock")
    if block is not None:
        block = mapping(block)
        cidr = text(block.get("cidr"))
        excepts = tuple(item for item in sequence(block.get("except")) if isinstance(item, str))
        return Peer(path, cidr=cidr or "", excepts=excepts, invalid=has_pods or has_namespaces or not cidr)
    if not has_pods and not has_namespaces:
        return Peer(path, invalid=True)
    pods = Selector.from_label_selector(raw.get("podSelector")) if has_pods else None
    namespaces = Selector.from_label_selector(raw.get("namespaceSelector")) if has_namespaces else None
    invalid = any(selector is not None and (selector.problems or selector.selects_nothing)
                  for selector in (pods, namespaces))
    return Peer(path, pods, namespaces, invalid=invalid)


def _port(raw: Any, path: Path) -> PolicyPort:
    protocol = text(raw.get("protocol")) or "TCP"
    port = raw.get("port")
    if isinstance(port, bool) or not isinstance(port, (int, str)):
        port = None
    end = raw.get("endPort")
    end_port = end if isinstance(end, int) and not isinstance(end, bool) and isinstance(port, int) else None
    return PolicyPort(protocol, port, end_port, path)


def listening_ports(group: PodGroup) -> tuple[ContainerPort, ...]:
    """The ports the pods of a group declare: app containers and sidecar (restartable) init containers."""
    found: list[ContainerPort] = []
    for container in group.containers or ():
        if container.init and container.raw.get("restartPolicy") != "Always":
            continue
        found.extend(container.ports)
    return tuple(found)


def port_numbers(group: PodGroup, port: int | str | None, protocol: str) -> set[int] | None:
    """The container port numbers a port (a number, or a name resolved on the group's containers) means on the
    pods of a group; None when unknown (the containers are not in the tree)."""
    if isinstance(port, int):
        return {port}
    if group.containers is None:
        return None
    return {declared.number for declared in listening_ports(group)
            if declared.name == port and declared.protocol == protocol and declared.number is not None}


def host_network(group: PodGroup) -> bool:
    """Whether the pods use the node's network: NetworkPolicy does not reliably apply to them (the API
    leaves it undefined, and most network plugins do not filter host-network pods)."""
    template = group.resource.pod_template
    return template is not None and template.spec.get("hostNetwork") is True


def pinned_names(selector: Selector) -> frozenset[str] | None:
    """The namespace names a namespaceSelector pins with ``kubernetes.io/metadata.name`` (None: not pinned)."""
    names: frozenset[str] | None = None
    for requirement in selector.requirements:
        if requirement.key == NAME_LABEL and requirement.operator is IN:
            names = requirement.values if names is None else names & requirement.values
    return names


# namespaces and peers -----------------------------------------------------------------------------


@record(frozen=True)
class NamespaceInfo:
    """A namespace the tree knows: defined by a Namespace object (labels known) or only named."""

    name: str
    resource: Resource | None
    labels: dict[str, str]


@record
class Targets:
    """What a peer (or a whole rule) selects: pod groups of the tree, and whether it reaches beyond them."""

    groups: list[PodGroup] = field(default_factory=list)
    outside: bool = False
    """Also selects pods or addresses the tree does not show (other namespaces, IP blocks, operators' pods)."""
    namespaces: list[str] = field(default_factory=list)
    """The tree's namespaces the peer was resolved in."""
    unseen: list[str] = field(default_factory=list)
    """Namespaces the tree names but creates no pods in, whose pods the peer may select (see :class:`Unseen`)."""
    beyond: bool = False
    """Also selects what the tree does not name at all: addresses, namespaces it does not know (:data:`OUTSIDE`)."""
    open_namespaces: bool = False
    """May select pods of namespaces the tree does not know (a namespaceSelector that is not closed)."""
    _ids: set[int] | None = field(default=None, repr=False, compare=False)

    def admits(self, peer: PodGroup | Unseen | str) -> bool:
        """Whether a pod group, an unseen namespace's pods or :data:`OUTSIDE` is among the targets."""
        if isinstance(peer, PodGroup):
            if self._ids is None or len(self._ids) != len(self.groups):
                self._ids = {id(group) for group in self.groups}
            return id(peer) in self._ids
        if isinstance(peer, Unseen):
            return peer.namespace in self.unseen or (self.open_namespaces and not peer.defined)
        return self.beyond


@record(frozen=True)
class Unseen:
    """The pseudo-peer for the pods of a namespace the tree names (a Namespace object, a policy's selector, an
    object's namespace) but shows no pods of: what runs there comes from elsewhere."""

    namespace: str
    defined: bool = field(default=True, compare=False)
    """Whether the tree knows the namespace (an object names it); else only a policy's selector pins its name."""

    def __str__(self) -> str:
        return f"namespace {self.namespace}"


@value_tuple
class Port(NamedTuple):
    """A set of ports between two pod groups: every port, or some entries."""

    every: bool
    entries: tuple[PolicyPort, ...] = ()

    def describe(self, destination: PodGroup | None) -> list[str]:
        """Readable port labels; a named entry shows the numbers it resolves to on the destination."""
        if self.every:
            return ["all"]
        out: list[str] = []
        for entry in self.entries:
            label = str(entry)
            if isinstance(entry.port, str) and destination is not None:
                numbers = entry.numbers_on(destination)
                if numbers:
                    label += f" ({','.join(str(n) for n in sorted(numbers))})"
            if label not in out:
                out.append(label)
        return out


ALL_PORTS = Port(True)
NO_PORTS = Port(False)


def union(ports: Iterable[Port]) -> Port:
    """Every port any of ``ports`` allows."""
    entries: list[PolicyPort] = []
    for item in ports:
        if item.every:
            return ALL_PORTS
        entries.extend(item.entries)
    return Port(False, tuple(entries))


def _intersect(first: Port, second: Port, destination: PodGroup) -> Port:
    """Ports both allow, as seen on the destination (a name and a number meet when the name resolves to it)."""
    if first.every:
        return second
    if second.every:
        return first
    kept: list[PolicyPort] = []
    for a in first.entries:
        for b in second.entries:
            meet = _meet(a, b, destination)
            if meet is not None and meet not in kept:
                kept.append(meet)
    return Port(False, tuple(kept))


def _meet(a: PolicyPort, b: PolicyPort, destination: PodGroup) -> PolicyPort | None:
    if a.protocol != b.protocol:
        return None
    if a.port is None:
        return b
    if b.port is None:
        return a
    if isinstance(a.port, str) and isinstance(b.port, str):
        return a if a.port == b.port else None
    if isinstance(a.port, str) or isinstance(b.port, str):
        named, numbered = (a, b) if isinstance(a.port, str) else (b, a)
        numbers = named.numbers_on(destination)
        if numbers is None:
            return named  # unknown on operator pods: keep the name
        return named if any(numbered.covers_number(number, numbered.protocol) for number in numbers) else None
    assert isinstance(a.port, int) and isinstance(b.port, int)
    a_end = a.end_port if a.end_port is not None else a.port
    b_end = b.end_port if b.end_port is not None else b.port
    low, high = max(a.port, b.port), min(a_end, b_end)
    if low > high:
        return None
    return PolicyPort(a.protocol, low, high if high != low else None, a.path)


OUTSIDE = "outside"
"""The pseudo-peer for everything the tree does not show: other namespaces, addresses, unknown pods."""


class Network:
    """The policies of one tree, resolved against its pods and namespaces."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.graph: ResourceGraph = build_graph(tree)
        self.policies = [parse_policy(resource) for resource in tree.by_ref.values() if is_network_policy(resource)]
        self.namespaces = self._namespaces()
        self.in_namespace: dict[str | None, list[Policy]] = {}
        """The policies of each namespace."""
        for policy in self.policies:
            self.in_namespace.setdefault(policy.namespace, []).append(policy)
        self.selected: dict[ObjectRef, list[PodGroup]] = {}
        """For each policy: the pod groups its podSelector selects."""
        self._by_group: dict[int, list[Policy]] = {}
        for policy in self.policies:
            groups = ([] if policy.selector.problems
                      else self.graph.pods.pods_matching(policy.namespace, policy.selector))
            self.selected[policy.ref] = groups
            for group in groups:
                self._by_group.setdefault(id(group), []).append(policy)
        self._peer_cache: dict[tuple[ObjectRef, Path], Targets] = {}
        self._rule_cache: dict[tuple[ObjectRef, Path], Targets] = {}
        self._edges_added = False

    # namespaces ---------------------------------------------------------------------------------

    def _namespaces(self) -> dict[str, NamespaceInfo]:
        found: dict[str, NamespaceInfo] = {}
        for resource in self.tree.by_ref.values():
            if resource.ref.group == "" and resource.kind == "Namespace":
                labels = {**resource.labels, NAME_LABEL: resource.name}
                found.setdefault(resource.name, NamespaceInfo(resource.name, resource, labels))
        for resource in self.tree.by_ref.values():
            name = resource.namespace
            if name is not None and name not in found:
                found[name] = NamespaceInfo(name, None, {NAME_LABEL: name})
        return found

    def namespace_candidates(self, selector: Selector) -> tuple[list[str], bool]:
        """The tree's namespaces a namespaceSelector may match, and whether it may match others too.

        Closed when the selector pins ``kubernetes.io/metadata.name`` to namespaces the tree knows, or when it
        only requires labels (``In``/``Exists``) that Namespace objects of the tree carry: the author means
        those namespaces. Otherwise (``{}``, ``NotIn``, labels no Namespace of the tree has) any namespace
        of the cluster may match.
        """
        names = pinned_names(selector)
        matched = []
        candidates = self.namespaces.values() if names is None else (
            self.namespaces[name] for name in sorted(names) if name in self.namespaces)
        for info in candidates:
            if info.resource is not None:
                ok = selector.matches(info.labels)
            else:  # only the name label is known: other requirements may hold
                ok = all(r.matches(info.labels) for r in selector.requirements if r.key == NAME_LABEL)
            if ok:
                matched.append(info.name)
        if names is not None:
            return matched, any(name not in self.namespaces for name in names)
        positive = selector.requirements and all(
            r.operator in (IN, EXISTS) for r in selector.requirements)
        defined = [name for name in matched if self.namespaces[name].resource is not None]
        if positive and defined:
            return defined, False
        return matched, True

    # peers --------------------------------------------------------------------------------------

    def peer_targets(self, policy: Policy, peer: Peer) -> Targets:
        """The pod groups of the tree a peer selects, and whether it reaches beyond the tree."""
        key = (policy.ref, peer.path)
        cached = self._peer_cache.get(key)
        if cached is not None:
            return cached
        targets = Targets()
        if peer.invalid or peer.is_ip_block:
            targets.outside = targets.beyond = True
        else:
            if peer.namespaces is None:
                names, targets.beyond = [policy.namespace] if policy.namespace else [], False
            else:
                names, targets.beyond = self.namespace_candidates(peer.namespaces)
                targets.open_namespaces = targets.beyond
                pinned = pinned_names(peer.namespaces)
                if pinned is not None:  # the names the tree does not know are unseen namespaces, not anywhere
                    targets.unseen.extend(name for name in sorted(pinned) if name not in self.namespaces)
                    targets.beyond = False
            targets.outside = targets.beyond or bool(targets.unseen)
            pods = peer.pods or Selector.everything()
            for name in names:
                targets.namespaces.append(name)
                if not self.graph.pods.in_namespace(name):
                    targets.outside = True  # the tree creates no pods there: they come from elsewhere
                    targets.unseen.append(name)
                    continue
                targets.groups.extend(self.graph.pods.pods_matching(name, pods))
        self._peer_cache[key] = targets
        return targets

    def rule_targets(self, policy: Policy, rule: PolicyRule) -> Targets:
        """Everything a rule's peers select together (OR); a rule without peers selects everything."""
        key = (policy.ref, rule.path)
        cached = self._rule_cache.get(key)
        if cached is not None:
            return cached
        out = self._rule_cache[key] = self._rule_targets(policy, rule)
        return out

    def _rule_targets(self, policy: Policy, rule: PolicyRule) -> Targets:
        if rule.peers is None:
            return Targets(list(self.graph.pods), True, unseen=list(self.unseen_namespaces), beyond=True,
                           open_namespaces=True)
        out = Targets()
        for peer in rule.peers:
            found = self.peer_targets(policy, peer)
            out.outside = out.outside or found.outside
            out.beyond = out.beyond or found.beyond
            out.open_namespaces = out.open_namespaces or found.open_namespaces
            for group in found.groups:
                if group not in out.groups:
                    out.groups.append(group)
            out.unseen.extend(name for name in found.unseen if name not in out.unseen)
        return out

    @property
    def unseen_namespaces(self) -> list[str]:
        """The namespaces the tree knows but creates no pods in (each may hold pods from elsewhere)."""
        return [name for name in self.namespaces if not self.graph.pods.in_namespace(name)]

    def unseen_peers(self) -> list[Unseen]:
        """The unseen namespaces some policy peer selects by name or labels: the pseudo-peers worth showing."""
        found: dict[str, None] = {}
        for policy in self.policies:
            for direction in DIRECTIONS:
                if direction not in policy.types:
                    continue
                for rule in policy.rules(direction):
                    for peer in rule.peers or ():
                        if peer.namespaces is not None and not peer.namespaces.selects_everything:
                            found.update(dict.fromkeys(self.peer_targets(policy, peer).unseen))
        return [Unseen(name, name in self.namespaces) for name in found]

    # isolation and reach ------------------------------------------------------------------------

    def policies_of(self, group: PodGroup, direction: str | None = None) -> list[Policy]:
        """The policies that select a group (with ``direction``: those isolating it for that direction)."""
        found = self._by_group.get(id(group), [])
        return found if direction is None else [policy for policy in found if direction in policy.types]

    def isolated(self, group: PodGroup, direction: str) -> bool:
        return bool(self.policies_of(group, direction))

    def allowed(self, group: PodGroup, direction: str, peer: PodGroup | Unseen | str) -> Port:
        """The ports on which ``group`` may receive from (Ingress) or send to (Egress) ``peer`` (a pod group,
        the pods of an :class:`Unseen` namespace, or :data:`OUTSIDE`), by the policies selecting ``group``
        alone."""
        policies = self.policies_of(group, direction)
        if not policies:
            return ALL_PORTS
        found: list[Port] = []
        for policy in policies:
            for rule in policy.rules(direction):
                if self.rule_targets(policy, rule).admits(peer):
                    found.append(ALL_PORTS if rule.ports is None else Port(False, rule.ports))
        return union(found)

    def reach(self, source: PodGroup | Unseen | str, destination: PodGroup | Unseen | str) -> Port:
        """Ports on which ``source`` may connect to ``destination`` after both sides' policies (the pods of
        an unseen namespace and :data:`OUTSIDE` are governed by no policy of the tree)."""
        egress = self.allowed(source, EGRESS, destination) if isinstance(source, PodGroup) else ALL_PORTS
        ingress = self.allowed(destination, INGRESS, source) if isinstance(destination, PodGroup) else ALL_PORTS
        if isinstance(destination, PodGroup):
            return _intersect(egress, ingress, destination)
        return egress

    # graph edges --------------------------------------------------------------------------------

    def add_edges(self) -> None:
        """Add the policy edges (isolates, allows-from, allows-to) to the resource graph, once.

        Only views of the graph need them (``kubelint graph``); the rules ask the analysis directly, so a
        lint run does not pay for an edge per policy, peer and pod group."""
        if not self._edges_added:
            self._edges_added = True
            self._add_edges()

    def _add_edges(self) -> None:
        for policy in self.policies:
            for group in self.selected[policy.ref]:
                self.graph.add_edge(policy.ref, group.owner, ISOLATES, ("spec", "podSelector"),
                                    types=sorted(policy.types))
            for direction, relation in ((INGRESS, ALLOWS_FROM), (EGRESS, ALLOWS_TO)):
                if direction not in policy.types:
                    continue
                for rule in policy.rules(direction):
                    ports = ["all"] if rule.ports is None else [str(port) for port in rule.ports]
                    for peer in rule.peers or ():
                        for group in self.peer_targets(policy, peer).groups:
                            self.graph.add_edge(policy.ref, group.owner, relation, peer.path, ports=ports)

    def workloads(self, namespace: str | None = None) -> Iterator[PodGroup]:
        """Pod groups (optionally of one namespace) except live objects whose controller is in the tree."""
        groups = self.graph.pods if namespace is None else self.graph.pods.in_namespace(namespace)
        for group in groups:
            controller = group.resource.controller
            if controller is None or controller not in self.tree.by_ref:
                yield group


@analysis_of("network")
def build_network(tree: Tree) -> Network:
    """The NetworkPolicy analysis of a tree, built once per tree on first use."""
    return Network(tree)


def namespace_location(network: Network, namespace: str, message: str = "") -> Location | None:
    """Where a finding about a namespace points: its Namespace object, else the first workload of the
    namespace, with the Namespace as the finding's object either way."""
    info = network.namespaces.get(namespace)
    if info is not None and info.resource is not None:
        return info.resource.where((), message)
    first = next(network.workloads(namespace), None)
    if first is None:
        return None
    where = first.resource.where((), message)
    from dataclasses import replace

    return replace(where, ref=ObjectRef("", "Namespace", None, namespace), api_version="v1", path=())
