"""``kubelint graph``: the resource graph, or who may talk to whom, as text, DOT, Mermaid or JSON.

The graph view shows workloads, Services, Ingresses, NetworkPolicies, Gateway API Gateways and routes, and Istio
Gateways and VirtualServices with the edges between them (``selects``, ``routes``, ``isolates``, ``allows-from``,
``allows-to``, ``attaches-to``, ``routes-to``), labelled with ports; an edge whose reference does not resolve
says why. The reach view (``--reach``) shows, after every policy, which workload may open connections to which,
on which ports; ``outside`` stands for everything the tree does not show (other namespaces, addresses, the
internet). It also draws each declared dependency (a Service address in a workload's configuration, see
``unreachable-dependency``) as a ``depends`` edge from the workload to the Service, with whether it is allowed.
Each deployable unit of the tree (a rendered Kustomize root) is its own graph.

Traffic edges point the way traffic goes (``allows-from``: from the admitted peer to the policy, which stands
for its pods). The relationship findings lint reports are laid on the edges they are about
(:mod:`kubelint.views.edge_findings`); an object the tree does not define is a ``missing`` node; a namespace
whose workloads all reach each other is one node in the reach view. :mod:`kubelint.views.picture` draws the view
as DOT and Mermaid, :mod:`kubelint.views.focus` filters it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from kubelint.analysis.addresses import build_addresses
from kubelint.analysis.dependencies import Verdict, dependency_verdict
from kubelint.analysis.gateway import (
    ACCEPTED,
    ATTACHES_TO,
    GATEWAY_GROUP,
    PARENT_MISSING,
    ROUTE_KINDS,
    ROUTES_TO,
    SECURES,
    build_gateway_routes,
)
from kubelint.analysis.graph import PROTECTS, ROUTES, SELECTS, build_graph
from kubelint.analysis.istio import ISTIO_GROUP, build_istio_routes
from kubelint.analysis.netpol import (
    ALLOWS_FROM,
    ALLOWS_TO,
    EGRESS,
    INGRESS,
    ISOLATES,
    OUTSIDE,
    Network,
    build_network,
)
from kubelint.analysis.references import BUILTIN_SERVICES, declared_reason
from kubelint.findings import MAX_NAME, Finding, Path, dotted, excerpt
from kubelint.model.resource import ObjectRef, mapping, sequence, service_target
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.records import record
from kubelint.report.escape import escape_control, json_text
from kubelint.views.edge_findings import covers, edge_scopes, of_unit

FORMATS = ("text", "dot", "mermaid", "markdown", "json", "svg", "png")
IMAGE_FORMATS = ("svg", "png")
"""Formats Graphviz's ``dot`` renders from the DOT output."""
RELATIONS = (SELECTS, ROUTES, ISOLATES, ALLOWS_FROM, ALLOWS_TO, ATTACHES_TO, ROUTES_TO, SECURES)
OUTSIDE_ID = "outside"
REACH = "reach"
DEPENDS = "depends"
"""A reach-view edge: a workload's configuration names a Service address (``unreachable-dependency``)."""
ROUTING_KINDS = {GATEWAY_GROUP: frozenset({"Gateway", *ROUTE_KINDS, "BackendTLSPolicy"}),
                 ISTIO_GROUP: frozenset({"Gateway", "VirtualService", "ServiceEntry"})}
"""The Gateway API and Istio objects the graph view draws (with their edges, when they have any)."""


@record
class Node:
    id: str
    kind: str
    namespace: str | None
    name: str
    file: str = ""
    line: int = 0
    unit: str = ""
    missing: bool = False
    """The object is not in the tree: a reference that resolves to nothing (drawn dashed)."""
    findings: list[str] = field(default_factory=list)
    """Rule ids of relationship findings about this object that no edge of the picture carries."""
    members: int = 0
    """A collapsed namespace of the reach view: how many workloads may all reach each other."""

    @property
    def label(self) -> str:
        if self.id == OUTSIDE_ID or (self.unit and self.id == f"{OUTSIDE_ID}@{self.unit}"):
            return "outside the tree"
        if self.members:
            return f"all {self.members} workloads of {_short(self.namespace or '')} (each can reach each other)"
        if not self.kind:  # a missing node for a selector that selects nothing
            return self.name
        where = f" ({_short(self.namespace)})" if self.namespace else ""
        missing = " (not in the tree)" if self.missing else ""
        return f"{_short(self.kind)} {_short(self.name)}{where}{missing}"


def _short(text: str) -> str:
    return excerpt(text, MAX_NAME)


@record
class Link:
    source: str
    target: str
    relation: str
    ports: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    """Rule ids of the findings about this edge (drawn red)."""
    origin: ObjectRef | None = field(default=None, compare=False, repr=False)
    """The object whose field makes the edge, and where (``scopes``): what a finding must be about to land on
    the edge."""
    scopes: tuple[Path, ...] = field(default=(), compare=False, repr=False)

    @property
    def label(self) -> str:
        ports = ", ".join(self.ports)
        text = ports if self.relation == REACH else f"{self.relation} {ports}".strip()
        if self.findings:
            text = f"{text} [{', '.join(self.findings)}]".strip()
        return text


@record
class View:
    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    reach: bool = False


def _node_id(ref: ObjectRef, unit: str) -> str:
    return f"{ref}@{unit}" if unit else str(ref)


def _add_node(view: View, ref: ObjectRef, tree: Tree, unit: str) -> str:
    node_id = _node_id(ref, unit)
    if node_id not in view.nodes:
        resource = tree.by_ref.get(ref)
        line = resource.position(())[0] if resource is not None else 0
        view.nodes[node_id] = Node(node_id, ref.kind, ref.namespace, ref.name,
                                   resource.file if resource is not None else "", line, unit,
                                   missing=resource is None)
    return node_id


def _service_ports(tree: Tree, ref: ObjectRef) -> list[str]:
    resource = tree.by_ref.get(ref)
    if resource is None:
        return []
    out = []
    for raw in sequence(resource.spec.get("ports")):
        port = mapping(raw)
        number, target = port.get("port"), service_target(port)[0]
        protocol = port.get("protocol") if isinstance(port.get("protocol"), str) else "TCP"
        out.append(f"{protocol}/{number}" + (f"->{target}" if target is not None and target != number else ""))
    return out


def build_view(trees: Iterable[Tree], reach: bool = False, findings: Sequence[Finding] = (),
               collapse: bool = True) -> View:
    """The graph (or reach) view of the units of a tree; ``findings``: the relationship findings to draw on their
    edges (:func:`kubelint.views.edge_findings.relationship_findings` of the whole tree); ``collapse``: draw a
    namespace whose workloads all reach each other as one node (reach view)."""
    units = list(trees)
    view = View(reach=reach)
    for tree in units:
        unit = tree.label if len(units) > 1 else ""
        network = build_network(tree)
        network.add_edges()
        if reach:
            links = _reach(view, tree, unit, collapse)
            if findings:
                _overlay(view, tree, unit, links, [], of_unit(findings, tree), mark_nodes=False)
            continue
        for group in network.workloads():
            _add_node(view, group.owner, tree, unit)
        for resource in tree.by_ref.values():
            if ((resource.ref.group == "" and resource.kind == "Service") or resource.kind in ("Ingress",
                                                                                               "NetworkPolicy")
                    or resource.kind in ROUTING_KINDS.get(resource.ref.group, ())):
                _add_node(view, resource.ref, tree, unit)
        build_gateway_routes(tree).add_edges()
        build_istio_routes(tree).add_edges()
        graph = build_graph(tree)
        drawn: list[Link] = []
        hidden: list[tuple[Link, ObjectRef, ObjectRef]] = []
        for edge in graph.edges():
            if graph.resource(edge.source) is None:
                continue
            scopes = edge_scopes(edge.relation, edge.path, SELECTS, (ALLOWS_FROM, ALLOWS_TO))
            if edge.relation not in RELATIONS:
                # drawn only when a finding is about it (a missing ConfigMap, an HPA's missing target)
                link = Link(_node_id(edge.source, unit), _node_id(edge.target, unit), edge.relation,
                            _hidden_ports(edge.data), origin=edge.source, scopes=scopes)
                hidden.append((link, edge.source, edge.target))
                continue
            if edge.relation == SELECTS:
                ports = _service_ports(tree, edge.source)
            elif edge.relation == ROUTES:
                ports = [] if edge.data.get("port") is None else [str(edge.data["port"])]
            elif edge.relation == ISOLATES:
                ports = [str(kind).lower() for kind in edge.data.get("types", [])]
            else:
                ports = [str(port) for port in edge.data.get("ports", [])]
            ports += _trouble(edge.data, "" if graph.resource(edge.target) is not None else
                              declared_reason(tree, edge.target))
            source = _add_node(view, edge.source, tree, unit)
            target = _add_node(view, edge.target, tree, unit)
            if edge.relation == ALLOWS_FROM:  # traffic direction: from the admitted peer to the policy's pods
                source, target = target, source
            link = Link(source, target, edge.relation, ports, origin=edge.source, scopes=scopes)
            view.links.append(link)
            drawn.append(link)
        drawn += _peers_beyond(view, tree, unit, network)
        if findings:
            _overlay(view, tree, unit, drawn, hidden, of_unit(findings, tree), mark_nodes=True)
    return view


def _peers_beyond(view: View, tree: Tree, unit: str, network: Network) -> list[Link]:
    """``allows-from`` / ``allows-to`` edges for the peers that select what the tree does not show: a namespace
    a policy names with no pods in the tree (``Namespace ingress-nginx``, dashed when the tree does not define
    it) and ``outside`` (ipBlocks, namespaces the tree does not know)."""
    outside_id = f"{OUTSIDE_ID}@{unit}" if unit else OUTSIDE_ID
    links: list[Link] = []
    for policy in network.policies:
        for direction, relation in ((INGRESS, ALLOWS_FROM), (EGRESS, ALLOWS_TO)):
            if direction not in policy.types:
                continue
            for rule in policy.rules(direction):
                ports = ["all"] if rule.ports is None else [str(port) for port in rule.ports]
                own = _node_id(policy.ref, unit)
                if not rule.peers:  # no from/to: every source or destination, outside the tree too
                    view.nodes.setdefault(outside_id, Node(outside_id, "", None, OUTSIDE, unit=unit))
                    pair = (outside_id, own) if relation == ALLOWS_FROM else (own, outside_id)
                    links.append(Link(*pair, relation, list(ports), origin=policy.ref, scopes=(rule.path,)))
                for peer in rule.peers or ():
                    targets = network.peer_targets(policy, peer)
                    ends = [_add_node(view, ObjectRef("", "Namespace", None, name), tree, unit)
                            for name in targets.unseen]
                    if targets.beyond:
                        view.nodes.setdefault(outside_id, Node(outside_id, "", None, OUTSIDE, unit=unit))
                        ends.append(outside_id)
                    scopes = edge_scopes(relation, peer.path, SELECTS, (ALLOWS_FROM, ALLOWS_TO))
                    for end in ends:
                        source, target = (end, own) if relation == ALLOWS_FROM else (own, end)
                        links.append(Link(source, target, relation, list(ports), origin=policy.ref, scopes=scopes))
    view.links += links
    return links


def _hidden_ports(data: Mapping[str, Any]) -> list[str]:
    keys = data.get("keys")
    if isinstance(keys, (list, tuple, set, frozenset)) and keys:
        return [f"keys {', '.join(sorted(str(key) for key in keys))}"]
    return []


def _overlay(view: View, tree: Tree, unit: str, drawn: list[Link],
             hidden: list[tuple[Link, ObjectRef, ObjectRef]], found: list[Finding], mark_nodes: bool) -> None:
    """Lay each finding on the edges it is about (a hidden edge, such as ``uses`` ConfigMap, is drawn then);
    a selector that selects nothing gets an edge to a dashed "no pods match" node; other findings about a drawn
    object mark the object."""
    by_origin: dict[ObjectRef, list[Link]] = {}
    for link in drawn:
        if link.origin is not None:
            by_origin.setdefault(link.origin, []).append(link)
    waiting: dict[ObjectRef, list[tuple[Link, ObjectRef]]] = {}
    for link, origin, target in hidden:
        waiting.setdefault(origin, []).append((link, target))
    for finding in found:
        ref, path = finding.ref, finding.location.path
        if ref is None:
            continue
        hits = [link for link in by_origin.get(ref, ()) if covers(link.scopes, path)]
        for link, target in waiting.get(ref, ()):
            if covers(link.scopes, path) and link not in hits:
                _add_node(view, ref, tree, unit)
                _add_node(view, target, tree, unit)
                view.links.append(link)
                by_origin.setdefault(ref, []).append(link)
                hits.append(link)
        if ref in waiting:
            waiting[ref] = [entry for entry in waiting[ref] if all(entry[0] is not hit for hit in hits)]
        if hits:
            for link in hits:
                if finding.rule not in link.findings:
                    link.findings.append(finding.rule)
            continue
        if not mark_nodes or ref not in tree.by_ref:
            continue
        if finding.rule.startswith("orphan-"):
            source = _add_node(view, ref, tree, unit)
            missing_id = f"missing:{ref}:{dotted(path)}" + (f"@{unit}" if unit else "")
            relation = _orphan_relation(ref, path)
            text = "no pods match" if relation in (SELECTS, ISOLATES, PROTECTS, ALLOWS_FROM, ALLOWS_TO) \
                else "nothing matches"
            view.nodes.setdefault(missing_id, Node(missing_id, "", ref.namespace, text, unit=unit, missing=True))
            ends = (missing_id, source) if relation == ALLOWS_FROM else (source, missing_id)
            link = Link(*ends, relation, [dotted(path)] if path else [], [finding.rule])
            if link not in view.links:
                view.links.append(link)
            continue
        node = view.nodes.get(_node_id(ref, unit))
        if node is not None and finding.rule not in node.findings:
            node.findings.append(finding.rule)


def _orphan_relation(ref: ObjectRef, path: Path) -> str:
    """The relation a selector that selects nothing would have drawn."""
    if ref.kind == "NetworkPolicy":
        return ALLOWS_FROM if path[1:2] == ("ingress",) else ALLOWS_TO if path[1:2] == ("egress",) else ISOLATES
    if ref.kind == "PodDisruptionBudget":
        return PROTECTS
    return SELECTS


def _trouble(data: Mapping[str, Any], declared: str) -> list[str]:
    """Why a route's reference does not resolve, for its edge's label (nothing when it does); ``declared``: why a
    target the tree does not define exists anyway (an ``external`` entry), which the label says instead."""
    outcome = data.get("outcome")
    if declared and (outcome == PARENT_MISSING or data.get("problem") == "not in the tree"):
        return [f"not in the tree, {declared}"]
    if outcome == PARENT_MISSING:
        return ["not in the tree"]
    if isinstance(outcome, str) and outcome != ACCEPTED:
        return [outcome]
    problem = data.get("problem")
    return [problem] if isinstance(problem, str) and problem else []


def _reach(view: View, tree: Tree, unit: str, collapse: bool = True) -> list[Link]:
    """The reach edges of one unit (see :func:`_meshes` for the namespaces drawn as one node), then the
    ``depends`` edges, which it returns (findings can be about them)."""
    network = build_network(tree)
    groups = list(network.workloads())
    outside_id = f"{OUTSIDE_ID}@{unit}" if unit else OUTSIDE_ID
    peers: list[PodGroup | str] = [*groups, OUTSIDE]
    ports: dict[tuple[PodGroup | str, PodGroup | str], list[str]] = {}
    for source in peers:
        for destination in peers:
            if source == OUTSIDE and destination == OUTSIDE:
                continue  # pods of one workload talking to each other (a cluster mesh) are kept
            allowed = network.reach(source, destination)
            if allowed.every or allowed.entries:
                ports[(source, destination)] = allowed.describe(destination if isinstance(destination, PodGroup)
                                                                else None)
    mesh_of: dict[PodGroup | str, str] = {}
    for namespace, members in (_meshes(groups, peers, ports) if collapse else {}).items():
        mesh_id = f"mesh:{namespace}" + (f"@{unit}" if unit else "")
        view.nodes[mesh_id] = Node(mesh_id, "", namespace, f"all workloads of {namespace}", unit=unit,
                                   members=len(members))
        mesh_of.update((member, mesh_id) for member in members)

    def ident(peer: PodGroup | str) -> str:
        if peer in mesh_of:
            return mesh_of[peer]
        if isinstance(peer, PodGroup):
            return _add_node(view, peer.owner, tree, unit)
        view.nodes.setdefault(outside_id, Node(outside_id, "", None, OUTSIDE, unit=unit))
        return outside_id

    seen: set[tuple[str, str]] = set()
    for (source, destination), described in ports.items():
        ends = (ident(source), ident(destination))
        if ends not in seen:  # a mesh's members are alike: their edges are one edge
            seen.add(ends)
            view.links.append(Link(*ends, REACH, described))
    return _dependencies(view, tree, unit, network)


def _meshes(groups: list[PodGroup], peers: list[PodGroup | str],
            ports: Mapping[tuple[PodGroup | str, PodGroup | str], list[str]]) -> dict[str, list[PodGroup]]:
    """Namespaces drawn as one node: two or more workloads that may all reach each other (and themselves) on
    every port, and that every other peer (a workload elsewhere, ``outside``) may reach, and be reached by, on
    the same ports for each of them: then no edge is lost by drawing them as one."""
    by_namespace: dict[str, list[PodGroup]] = {}
    for group in groups:
        if group.namespace is not None:
            by_namespace.setdefault(group.namespace, []).append(group)
    out = {}
    for namespace, members in by_namespace.items():
        if len(members) < 2 or any(ports.get((a, b)) != ["all"] for a in members for b in members):
            continue
        others = [peer for peer in peers if peer not in members]
        if all(len({tuple(ports.get((other, member), ())) for member in members}) == 1
               and len({tuple(ports.get((member, other), ())) for member in members}) == 1 for other in others):
            out[namespace] = members
    return out


def _dependencies(view: View, tree: Tree, unit: str, network: Network) -> list[Link]:
    """A ``depends`` edge from each workload to each Service its configuration names, labelled with the port and
    whether the Service, its port and the NetworkPolicies let the connection through."""
    seen: dict[tuple[str, str, str], Link] = {}
    for address in build_addresses(tree).found:
        verdict = dependency_verdict(tree, network, address)
        port = "" if address.port is None else f"{address.port}"
        own = network.graph.selected.get(address.service.ref, []) if address.service is not None else []
        for client in address.clients:
            if client in own:
                continue  # a workload's own Service: an advertised address, not a dependency
            source = _add_node(view, client.owner, tree, unit)
            target = _add_node(view, address.target, tree, unit)
            link = seen.get((source, target, port))
            if link is None:
                state = _state(verdict, client, network)
                link = Link(source, target, DEPENDS, [port, state] if port else [state],
                            origin=address.source.ref, scopes=())
                seen[(source, target, port)] = link
                view.links.append(link)
            if link.origin == address.source.ref and address.location.path not in link.scopes:
                link.scopes = (*link.scopes, address.location.path)
    return list(seen.values())


def _state(verdict: Verdict, client: PodGroup, network: Network) -> str:
    """Whether one client's dependency goes through: the Service or port missing, the policies, or why the tree
    does not decide it."""
    if verdict.held:
        return "Service not in the tree (may be applied from elsewhere)"
    if verdict.problem:
        return verdict.problem
    denied = [side for source, _, side in verdict.denied if source is client]
    allowed = any(source is client for source, _ in verdict.allowed)
    if denied:
        side = "egress and ingress" if denied[0] == "both" else denied[0].lower()
        return f"denied by {side} policy" + (" to some pods" if allowed else "")
    if allowed:
        return "allowed"
    service = verdict.address.service
    if service is None:
        target = verdict.address.target
        if (target.namespace, target.name) in BUILTIN_SERVICES:
            return "the API server"
        return verdict.declared or "Service not in the tree"
    if service.spec.get("type") == "ExternalName":
        return "ExternalName Service"
    if not network.graph.selected.get(service.ref):
        return "the Service selects no pods of the tree"
    return "not decided by the tree"




# rendering -------------------------------------------------------------------------------------


def render(view: View, format_name: str) -> str:
    """The view as text, DOT, Mermaid, Markdown (the Mermaid flowchart in a ```mermaid fence) or JSON. Names
    come from manifests and file names: in every format but JSON (which escapes them itself) control characters,
    bidi overrides and undecodable bytes become visible escapes, so a name cannot move the terminal's cursor or
    hide text; DOT and Mermaid quote and escape them for their own syntax (:mod:`kubelint.views.picture`)."""
    from kubelint.views import picture

    if format_name == "json":
        return _json(view)
    if format_name == "dot":
        return escape_control(picture.dot(view), keep_newlines=True)
    if format_name == "mermaid":
        return escape_control(picture.mermaid(view), keep_newlines=True)
    if format_name == "markdown":
        return "```mermaid\n" + escape_control(picture.mermaid(view), keep_newlines=True) + "```\n"
    return escape_control(_text(view), keep_newlines=True)


def _text(view: View) -> str:
    if view.reach:
        rows = [(view.nodes[link.source].label, view.nodes[link.target].label, link.label) for link in view.links]
        header = ("from", "to", "ports")
        widths = [max([len(header[i]), *(len(row[i]) for row in rows)]) for i in range(2)]
        lines = [f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}"]
        lines += [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
        return "\n".join(lines) + "\n"
    lines = [f"{view.nodes[link.source].label} --{link.label}--> {view.nodes[link.target].label}"
             for link in view.links]
    linked = {link.source for link in view.links} | {link.target for link in view.links}
    lines += [_marked(node) for node_id, node in view.nodes.items() if node_id not in linked]
    lines += [_marked(node) for node_id, node in view.nodes.items() if node_id in linked and node.findings]
    return "\n".join(lines) + ("\n" if lines else "")


def _marked(node: Node) -> str:
    return node.label + (f" [{', '.join(node.findings)}]" if node.findings else "")


def _json(view: View) -> str:
    document: dict[str, Any] = {
        "kind": "reach" if view.reach else "graph",
        "nodes": [{"id": node.id, "kind": node.kind or None, "namespace": node.namespace, "name": node.name,
                   "file": node.file or None, "line": node.line or None, "missing": node.missing,
                   "findings": node.findings, **({"workloads": node.members} if node.members else {}),
                   **({"unit": node.unit} if node.unit else {})}
                  for node in view.nodes.values()],
        "edges": [{"source": link.source, "target": link.target, "relation": link.relation, "ports": link.ports,
                   "findings": link.findings}
                  for link in view.links],
    }
    return json_text(document) + "\n"
