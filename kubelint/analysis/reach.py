"""Who may connect to whom after every NetworkPolicy, and which policy lines decide it: the ``reach`` analysis.

Endpoints are the tree's workloads (pod groups), the pods of each namespace the tree names but shows no pods
of (:class:`~kubelint.analysis.netpol.Unseen`, when some policy peer selects that namespace) and
:data:`~kubelint.analysis.netpol.OUTSIDE` (addresses and namespaces the tree does not know). A connection is
allowed when the source's egress (if the source is a workload of the tree) and the destination's ingress (if
the destination is one) both admit it; :func:`decide` gives each side's chain (the isolating policies, the
rules that admit, or the nearest rule that almost does). Ports are compared as :class:`PortSet`\\ s: numbers
per protocol, named ports resolved on the destination's containers, names kept where the containers are
unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING

from kubelint.analysis import analysis_of
from kubelint.analysis.netpol import (
    EGRESS,
    INGRESS,
    OUTSIDE,
    Network,
    Peer,
    Policy,
    PolicyPort,
    PolicyRule,
    Port,
    Unseen,
    build_network,
    host_network,
    listening_ports,
    port_numbers,
    union,
)
from kubelint.findings import Location, dotted
from kubelint.model.resource import ObjectRef
from kubelint.model.selectors import PodGroup
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

Endpoint = PodGroup | Unseen | str
"""A side of a connection: a workload of the tree, an unseen namespace's pods, or :data:`OUTSIDE`."""

PROTOCOLS = ("TCP", "UDP", "SCTP")
HIGHEST_PORT = 65535


def endpoint_key(endpoint: Endpoint) -> str:
    """A stable identity, the same in two states of a tree: ``ns/Kind/name``, ``namespace:ns`` or ``outside``."""
    if isinstance(endpoint, PodGroup):
        return str(endpoint.owner)
    if isinstance(endpoint, Unseen):
        return f"namespace:{endpoint.namespace}"
    return OUTSIDE


def endpoint_label(endpoint: Endpoint) -> str:
    """How people name it: ``Deployment shop/web``, ``namespace monitoring``, ``outside``."""
    if isinstance(endpoint, PodGroup):
        return ref_label(endpoint.owner)
    return str(endpoint)


def ref_label(ref: ObjectRef) -> str:
    return f"{ref.kind} {ref.namespace}/{ref.name}" if ref.namespace else f"{ref.kind} {ref.name}"


# port sets ----------------------------------------------------------------------------------------


@record(frozen=True)
class PortSet:
    """Ports as sets that can be compared and subtracted: ranges per protocol, and names that could not be
    resolved (the destination's containers are not in the tree)."""

    ranges: tuple[tuple[str, int, int], ...] = ()
    """(protocol, first, last), sorted and merged."""
    names: tuple[tuple[str, str], ...] = ()
    """(protocol, name), sorted."""

    @classmethod
    def everything(cls) -> PortSet:
        return cls(tuple((protocol, 1, HIGHEST_PORT) for protocol in PROTOCOLS))

    @classmethod
    def build(cls, ranges: Iterable[tuple[str, int, int]], names: Iterable[tuple[str, str]] = ()) -> PortSet:
        merged: list[tuple[str, int, int]] = []
        for protocol, low, high in sorted(ranges):
            low, high = max(low, 1), min(high, HIGHEST_PORT)
            if low > high:
                continue
            if merged and merged[-1][0] == protocol and low <= merged[-1][2] + 1:
                merged[-1] = (protocol, merged[-1][1], max(merged[-1][2], high))
            else:
                merged.append((protocol, low, high))
        return cls(tuple(merged), tuple(sorted(set(names))))

    @classmethod
    def of(cls, port: Port, destination: Endpoint) -> PortSet:
        """The ports a :class:`~kubelint.analysis.netpol.Port` means on a destination (a name resolves on its
        containers; on unknown pods it stays a name)."""
        if port.every:
            return cls.everything()
        ranges: list[tuple[str, int, int]] = []
        names: list[tuple[str, str]] = []
        for entry in port.entries:
            _add_entry(entry, destination, ranges, names)
        return cls.build(ranges, names)

    def __bool__(self) -> bool:
        return bool(self.ranges or self.names)

    def __sub__(self, other: PortSet) -> PortSet:
        ranges: list[tuple[str, int, int]] = []
        for protocol, low, high in self.ranges:
            pieces = [(low, high)]
            for other_protocol, other_low, other_high in other.ranges:
                if other_protocol != protocol:
                    continue
                cut: list[tuple[int, int]] = []
                for first, last in pieces:
                    if other_high < first or other_low > last:
                        cut.append((first, last))
                        continue
                    if first < other_low:
                        cut.append((first, other_low - 1))
                    if last > other_high:
                        cut.append((other_high + 1, last))
                pieces = cut
            ranges.extend((protocol, first, last) for first, last in pieces)
        names = [name for name in self.names if name not in other.names]
        return PortSet.build(ranges, names)

    def __and__(self, other: PortSet) -> PortSet:
        return self - (self - other)

    def contains(self, protocol: str, number: int | None, name: str | None = None) -> bool:
        """Whether a port (a number, or a name that could not be resolved) is in the set."""
        if number is not None:
            return any(p == protocol and low <= number <= high for p, low, high in self.ranges)
        return (protocol, name or "") in self.names

    def describe(self, destination: Endpoint | None = None) -> list[str]:
        """``all``, or ``TCP/9000 (grpc)``, ``TCP/8000-8080``, ``UDP/all``, ``TCP/http``; a number shows the name
        the destination's containers give it."""
        if self == PortSet.everything():
            return ["all"]
        named = _port_names(destination)
        out = []
        for protocol, low, high in self.ranges:
            if low == 1 and high == HIGHEST_PORT:
                out.append(f"{protocol}/all")
            elif low == high:
                name = named.get((protocol, low))
                out.append(f"{protocol}/{low}" + (f" ({name})" if name else ""))
            else:
                out.append(f"{protocol}/{low}-{high}")
        out.extend(f"{protocol}/{name}" for protocol, name in self.names)
        return out


def _add_entry(entry: PolicyPort, destination: Endpoint, ranges: list[tuple[str, int, int]],
               names: list[tuple[str, str]]) -> None:
    if entry.port is None:
        ranges.append((entry.protocol, 1, HIGHEST_PORT))
    elif isinstance(entry.port, int):
        end = entry.end_port if entry.end_port is not None and entry.end_port >= entry.port else entry.port
        ranges.append((entry.protocol, entry.port, end))
    else:
        numbers = entry.numbers_on(destination) if isinstance(destination, PodGroup) else None
        if numbers is None:
            names.append((entry.protocol, entry.port))
        else:
            ranges.extend((entry.protocol, number, number) for number in numbers)


def _port_names(destination: Endpoint | None) -> dict[tuple[str, int], str]:
    if not isinstance(destination, PodGroup) or destination.containers is None:
        return {}
    return {(port.protocol, port.number): port.name for port in listening_ports(destination)
            if port.name and port.number is not None}


# decisions ------------------------------------------------------------------------------------------


@record(frozen=True)
class Query:
    """One port asked about: a protocol and a number or a name."""

    protocol: str
    number: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.protocol}/{self.number if self.number is not None else self.name}"

    def numbers_on(self, destination: Endpoint) -> set[int] | None:
        """The numbers this port means on the destination (a name resolves on its containers), None if
        unknown."""
        if self.number is not None:
            return {self.number}
        if not isinstance(destination, PodGroup):
            return None
        return port_numbers(destination, self.name, self.protocol)


@record(frozen=True)
class Admission:
    """One rule of one policy that admits the other side: the rule, the peer element that selects it (None:
    the rule has no peers), and the rule's ports."""

    policy: Policy
    rule: PolicyRule
    peer: Peer | None
    direction: str

    @property
    def location(self) -> Location:
        return self.policy.resource.where(self.rule.path)

    def describe(self) -> str:
        """``NetworkPolicy shop/cart spec.ingress[0]: from podSelector app=web, ports TCP/grpc``."""
        word = "from" if self.direction == INGRESS else "to"
        if self.peer is not None:
            peer = f"{word} {self.peer}"
        elif self.rule.peers is not None:
            peer = f"{word} " + " or ".join(str(element) for element in self.rule.peers)
        else:
            peer = f"{word} anywhere"
        ports = ", ".join(str(port) for port in self.rule.ports) if self.rule.ports is not None else "all"
        return f"{ref_label(self.policy.ref)} {dotted(self.rule.path)}: {peer}, ports {ports}"


@record(frozen=True)
class NearMiss:
    """A rule that almost admits a denied connection: which part matches and what is wrong with the other."""

    admission: Admission
    peer_matches: bool
    port_matches: bool
    reason: str

    @property
    def location(self) -> Location:
        path = self.admission.rule.path
        if not self.peer_matches and self.admission.rule.peers:
            path = self.admission.rule.peers[0].path
        elif not self.port_matches and self.admission.rule.ports:
            path = (*path, "ports")
        return self.admission.policy.resource.where(path)


@record(frozen=True)
class Side:
    """One direction's part of a decision: the pods whose policies decide, the policies isolating them, the
    rules admitting the other side and the ports they admit (every port when not isolated)."""

    direction: str
    subject: PodGroup
    isolating: tuple[Policy, ...]
    admissions: tuple[Admission, ...]
    ports: Port
    near: tuple[NearMiss, ...] = ()

    @property
    def isolated(self) -> bool:
        return bool(self.isolating)


@record(frozen=True)
class Decision:
    """Whether ``source`` may connect to ``destination`` (on ``query``, or on any port), and why."""

    source: Endpoint
    destination: Endpoint
    egress: Side | None
    """The source's egress side; None when the source is not a workload of the tree (nothing of the tree
    governs what it sends)."""
    ingress: Side | None
    ports: PortSet
    query: Query | None = None
    allowed: bool = False
    notes: tuple[str, ...] = field(default=())


def side(network: Network, subject: PodGroup, direction: str, peer: Endpoint,
         query: Query | None = None, destination: Endpoint | None = None) -> Side:
    """How the policies selecting ``subject`` treat traffic with ``peer`` in ``direction``; ``destination``
    (for egress: the peer) is where named ports resolve. With ``query``, only rules admitting that port count,
    and the rules that almost admit it are kept as near misses."""
    destination = destination if destination is not None else (subject if direction == INGRESS else peer)
    isolating = tuple(network.policies_of(subject, direction))
    if not isolating:
        return Side(direction, subject, (), (), Port(True))
    admissions: list[Admission] = []
    near: list[NearMiss] = []
    ports: list[Port] = []
    for policy in isolating:
        for rule in policy.rules(direction):
            matching = _matching_peer(network, policy, rule, peer)
            peer_ok = matching is not False
            port_ok = query is None or _rule_admits_port(rule, query, destination)
            element = matching if isinstance(matching, Peer) else None
            admission = Admission(policy, rule, element, direction)
            if peer_ok and port_ok:
                admissions.append(admission)
                ports.append(Port(True) if rule.ports is None else Port(False, rule.ports))
            elif peer_ok or port_ok:
                near.append(_near_miss(network, admission, peer, peer_ok, port_ok, query, destination))
    near.sort(key=_near_rank)
    return Side(direction, subject, isolating, tuple(admissions), union(ports) if ports else Port(False),
                tuple(near))


def _matching_peer(network: Network, policy: Policy, rule: PolicyRule, peer: Endpoint) -> Peer | bool:
    """The first peer element of a rule that selects ``peer`` (True: the rule has no peers; False: none)."""
    if rule.peers is None:
        return True
    for element in rule.peers:
        if network.peer_targets(policy, element).admits(peer):
            return element
    return False


def _rule_admits_port(rule: PolicyRule, query: Query, destination: Endpoint) -> bool:
    if rule.ports is None:
        return True
    numbers = query.numbers_on(destination)
    for entry in rule.ports:
        if entry.protocol != query.protocol:
            continue
        if entry.port is None:
            return True
        if isinstance(entry.port, str):
            resolved = entry.numbers_on(destination) if isinstance(destination, PodGroup) else None
            if resolved is None:
                if entry.port == query.name:
                    return True
                continue
            if numbers is not None and resolved & numbers:
                return True
            continue
        if numbers is not None and any(entry.covers_number(number, query.protocol) for number in numbers):
            return True
    return False


def _near_rank(miss: NearMiss) -> tuple[int, int]:
    # right peer with the wrong port first, then right port with the fewest things wrong about the peer
    return (0 if miss.peer_matches else 1, miss.reason.count(";"))


def _near_miss(network: Network, admission: Admission, peer: Endpoint, peer_ok: bool, port_ok: bool,
               query: Query | None, destination: Endpoint) -> NearMiss:
    if peer_ok:
        assert admission.rule.ports is not None and query is not None
        shown = []
        for entry in admission.rule.ports:
            label = str(entry)
            if isinstance(entry.port, str) and isinstance(destination, PodGroup):
                numbers = entry.numbers_on(destination)
                label += f" (= {','.join(map(str, sorted(numbers)))})" if numbers else " (no such port)"
            shown.append(label)
        reason = f"right peer, wrong port: it admits {', '.join(shown)}, not {query}"
        return NearMiss(admission, True, False, reason)
    why = [_peer_mismatch(network, admission.policy, element, peer) for element in admission.rule.peers or ()]
    return NearMiss(admission, False, True, "right port, wrong peer: " + "; ".join(why))


def _peer_mismatch(network: Network, policy: Policy, element: Peer, peer: Endpoint) -> str:
    """Why one peer element does not select ``peer``."""
    word = str(element)
    if element.invalid:
        return f"{word} is refused by the API server"
    if element.is_ip_block:
        return f"{word} selects addresses, not the pods of the tree"
    if not isinstance(peer, PodGroup):
        if isinstance(peer, Unseen):
            return f"{word} does not select namespace {peer.namespace}"
        if element.namespaces is None:
            return f"{word} selects pods of namespace {policy.namespace} only, and the tree shows all of them"
        unseen = network.peer_targets(policy, element).unseen
        if unseen:
            names = ", ".join(unseen)
            return (f"{word} selects pods of namespace{'s' if len(unseen) > 1 else ''} {names} only, not everything "
                    f"outside the tree (name {'them' if len(unseen) > 1 else 'it'} as Namespace/{unseen[0]})")
        return f"{word} selects pods of namespaces the tree shows, not everything outside it"
    namespace = peer.namespace
    if element.namespaces is None:
        if namespace != policy.namespace:
            return f"{word} selects pods of namespace {policy.namespace} only (add a namespaceSelector)"
    else:
        info = network.namespaces.get(namespace or "")
        labels = info.labels if info is not None else {}
        failing = element.namespaces.failing(labels)
        if failing:
            return f"namespaceSelector {element.namespaces} does not match namespace {namespace} " \
                   f"(it fails {', '.join(str(r) for r in failing)})"
    if element.pods is not None:
        failing = element.pods.failing(peer.labels, peer.open_keys)
        if failing:
            have = ", ".join(_label_of(peer, r.key) for r in failing)
            return f"podSelector {element.pods} does not match {endpoint_label(peer)} ({have})"
    return f"{word} does not select {endpoint_label(peer)}"


def _label_of(group: PodGroup, key: str) -> str:
    return f"{key}={group.labels[key]}" if key in group.labels else f"no label {key}"


def decide(network: Network, source: Endpoint, destination: Endpoint, query: Query | None = None) -> Decision:
    """Whether ``source`` may connect to ``destination`` (on ``query``, else on which ports), side by side."""
    egress = side(network, source, EGRESS, destination, query, destination) \
        if isinstance(source, PodGroup) else None
    ingress = side(network, destination, INGRESS, source, query, destination) \
        if isinstance(destination, PodGroup) else None
    ports = PortSet.of(network.reach(source, destination), destination)
    notes: list[str] = []
    for endpoint, word in ((source, "source"), (destination, "destination")):
        if isinstance(endpoint, PodGroup) and host_network(endpoint):
            notes.append(f"the {word} uses the node's network (hostNetwork): most network plugins do not apply "
                         "NetworkPolicies to it")
    if query is None:
        allowed = bool(ports)
    else:
        allowed = _all_admit(egress, ingress)
        if query.numbers_on(destination) == set():
            notes.append(f"the destination's containers declare no {query.protocol} port named {query.name}")
    return Decision(source, destination, egress, ingress, ports, query, allowed, tuple(notes))


def _all_admit(*sides: Side | None) -> bool:
    """Each side admits the (unresolvable) port: it is not isolated or some rule admitted it."""
    return all(item is None or not item.isolated or bool(item.admissions) for item in sides)


# the reach of a tree -----------------------------------------------------------------------------


@record(frozen=True)
class Connection:
    """``source`` may connect to ``destination`` on ``ports``."""

    source: Endpoint
    destination: Endpoint
    ports: PortSet

    @property
    def key(self) -> tuple[str, str]:
        return endpoint_key(self.source), endpoint_key(self.destination)


class Reach:
    """Every allowed connection between the endpoints of one tree (a unit)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.workloads = list(network.workloads())
        self.unseen = network.unseen_peers()
        self.endpoints: list[Endpoint] = [*self.workloads, *self.unseen, OUTSIDE]
        self.connections: dict[tuple[str, str], Connection] = {}
        for source in self.endpoints:
            for destination in self.endpoints:
                if not isinstance(source, PodGroup) and not isinstance(destination, PodGroup):
                    continue  # nothing of the tree is on the way
                ports = PortSet.of(network.reach(source, destination), destination)
                if ports:
                    connection = Connection(source, destination, ports)
                    self.connections[connection.key] = connection

    def __iter__(self) -> Iterator[Connection]:
        return iter(self.connections.values())

    def endpoint(self, key: str) -> Endpoint | None:
        return next((item for item in self.endpoints if endpoint_key(item) == key), None)


@analysis_of("reach")
def build_reach(tree: Tree) -> Reach:
    """Every connection the tree's NetworkPolicies allow between its workloads, the unseen namespaces they name
    and everything outside (built once per unit, on first use)."""
    return Reach(build_network(tree))


# open to everything ---------------------------------------------------------------------------------


WORLD_CIDRS = frozenset({"0.0.0.0/0", "::/0"})


def admits_everything(peer: Peer) -> str | None:
    """What a peer element admits when it is everything of a kind: ``every address`` (an ipBlock of the whole
    address space) or ``every pod of every namespace`` (``namespaceSelector: {}`` without a narrower
    podSelector); None otherwise."""
    if peer.invalid:
        return None
    if peer.cidr is not None:
        return "every address" if peer.cidr in WORLD_CIDRS else None
    if peer.namespaces is not None and peer.namespaces.selects_everything and (
            peer.pods is None or peer.pods.selects_everything):
        return "every pod of every namespace"
    return None


@record(frozen=True)
class Exposure:
    """How everything outside the tree may connect to a workload: the rules that admit every source (none: no
    policy isolates it for ingress), and on which ports."""

    group: PodGroup
    admissions: tuple[Admission, ...]
    ports: PortSet

    @property
    def isolated(self) -> bool:
        return bool(self.admissions)

    def describe(self) -> str:
        if not self.admissions:
            return "no NetworkPolicy isolates its pods for ingress"
        parts = []
        for admission in self.admissions:
            what = admits_everything(admission.peer) if admission.peer is not None else "every source"
            parts.append(f"{ref_label(admission.policy.ref)} {dotted(admission.rule.path)} admits {what}")
        return "; ".join(parts)


def exposure(network: Network, group: PodGroup) -> Exposure | None:
    """Whether every source outside the tree (every address, or every pod of every namespace) may connect to
    ``group``: it is not isolated for ingress, or a rule admits every source."""
    policies = network.policies_of(group, INGRESS)
    if not policies:
        return Exposure(group, (), PortSet.everything())
    admissions: list[Admission] = []
    for policy in policies:
        for rule in policy.ingress:
            if rule.peers is None:
                admissions.append(Admission(policy, rule, None, INGRESS))
                continue
            element = next((peer for peer in rule.peers if admits_everything(peer)), None)
            if element is not None:
                admissions.append(Admission(policy, rule, element, INGRESS))
    if not admissions:
        return None
    ports = union(Port(True) if a.rule.ports is None else Port(False, a.rule.ports) for a in admissions)
    found = PortSet.of(ports, group)
    return Exposure(group, tuple(admissions), found) if found else None


def exposed(network: Network, group: PodGroup) -> Exposure | None:
    """The exposure of a workload to everything outside, when worth a word: a rule admits every source, or no
    policy isolates it in a namespace where ingress NetworkPolicies are used (in a namespace without any,
    nothing was ever closed: ``missing-default-deny-ingress`` says that once)."""
    found = exposure(network, group)
    if found is None or not (found.isolated or any(
            INGRESS in policy.types for policy in network.in_namespace.get(group.namespace, ()))):
        return None
    return found
