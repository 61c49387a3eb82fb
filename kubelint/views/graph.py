"""``kubelint graph``: the resource graph, or who may talk to whom, as text, DOT, Mermaid or JSON.

The graph view shows workloads, Services, Ingresses, NetworkPolicies, Gateway API Gateways and routes, and Istio
Gateways and VirtualServices with the edges between them (``selects``, ``routes``, ``isolates``, ``allows-from``,
``allows-to``, ``attaches-to``, ``routes-to``), labelled with ports; an edge whose reference does not resolve
says why. The reach view (``--reach``) shows, after every policy, which workload may open connections to which,
on which ports; ``outside`` stands for everything the tree does not show (other namespaces, addresses, the
internet). It also draws each declared dependency (a Service address in a workload's configuration, see
``unreachable-dependency``) as a ``depends`` edge from the workload to the Service, with whether it is allowed.
Each deployable unit of the tree (a rendered Kustomize root) is its own graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    build_gateway_routes,
)
from kubelint.analysis.graph import ROUTES, SELECTS, build_graph
from kubelint.analysis.istio import ISTIO_GROUP, build_istio_routes
from kubelint.analysis.netpol import ALLOWS_FROM, ALLOWS_TO, ISOLATES, OUTSIDE, Network, build_network
from kubelint.analysis.references import BUILTIN_SERVICES, declared_reason
from kubelint.model.resource import ObjectRef, mapping, sequence, service_target
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.report.escape import escape_control, json_text

FORMATS = ("text", "dot", "mermaid", "json")
RELATIONS = (SELECTS, ROUTES, ISOLATES, ALLOWS_FROM, ALLOWS_TO, ATTACHES_TO, ROUTES_TO)
OUTSIDE_ID = "outside"
DEPENDS = "depends"
"""A reach-view edge: a workload's configuration names a Service address (``unreachable-dependency``)."""
ROUTING_KINDS = {GATEWAY_GROUP: frozenset({"Gateway", *ROUTE_KINDS}),
                 ISTIO_GROUP: frozenset({"Gateway", "VirtualService", "ServiceEntry"})}
"""The Gateway API and Istio objects the graph view draws (with their edges, when they have any)."""


@dataclass
class Node:
    id: str
    kind: str
    namespace: str | None
    name: str
    file: str = ""
    line: int = 0
    unit: str = ""

    @property
    def label(self) -> str:
        if self.id == OUTSIDE_ID:
            return "outside the tree"
        where = f" ({self.namespace})" if self.namespace else ""
        return f"{self.kind} {self.name}{where}"


@dataclass
class Link:
    source: str
    target: str
    relation: str
    ports: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        ports = ", ".join(self.ports)
        if self.relation == "reach":
            return ports
        return f"{self.relation} {ports}".strip()


@dataclass
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
                                   resource.file if resource is not None else "", line, unit)
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


def build_view(trees: Iterable[Tree], reach: bool = False) -> View:
    """The graph (or reach) view of the units of a tree."""
    units = list(trees)
    view = View(reach=reach)
    for tree in units:
        unit = tree.label if len(units) > 1 else ""
        network = build_network(tree)
        network.add_edges()
        if reach:
            _reach(view, tree, unit)
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
        for edge in graph.edges():
            if edge.relation not in RELATIONS or graph.resource(edge.source) is None:
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
            view.links.append(Link(_add_node(view, edge.source, tree, unit),
                                   _add_node(view, edge.target, tree, unit), edge.relation, ports))
    return view


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


def _reach(view: View, tree: Tree, unit: str) -> None:
    network = build_network(tree)
    groups = list(network.workloads())
    outside_id = f"{OUTSIDE_ID}@{unit}" if unit else OUTSIDE_ID
    peers: list[PodGroup | str] = [*groups, OUTSIDE]

    def ident(peer: PodGroup | str) -> str:
        if isinstance(peer, PodGroup):
            return _add_node(view, peer.owner, tree, unit)
        view.nodes.setdefault(outside_id, Node(outside_id, "", None, OUTSIDE, unit=unit))
        return outside_id

    for source in peers:
        for destination in peers:
            if source == OUTSIDE and destination == OUTSIDE:
                continue  # pods of one workload talking to each other (a cluster mesh) are kept
            allowed = network.reach(source, destination)
            if allowed.every or allowed.entries:
                target = destination if isinstance(destination, PodGroup) else None
                view.links.append(Link(ident(source), ident(destination), "reach", allowed.describe(target)))
    _dependencies(view, tree, unit, network)


def _dependencies(view: View, tree: Tree, unit: str, network: Network) -> None:
    """A ``depends`` edge from each workload to each Service its configuration names, labelled with the port and
    whether the Service, its port and the NetworkPolicies let the connection through."""
    seen: set[tuple[str, str, str]] = set()
    for address in build_addresses(tree).found:
        verdict = dependency_verdict(tree, network, address)
        port = "" if address.port is None else f"{address.port}"
        own = network.graph.selected.get(address.service.ref, []) if address.service is not None else []
        for client in address.clients:
            if client in own:
                continue  # a workload's own Service: an advertised address, not a dependency
            source = _add_node(view, client.owner, tree, unit)
            target = _add_node(view, address.target, tree, unit)
            if (source, target, port) in seen:
                continue
            seen.add((source, target, port))
            state = _state(verdict, client, network)
            view.links.append(Link(source, target, DEPENDS, [port, state] if port else [state]))


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
    """The view as text, DOT, Mermaid or JSON. Names come from manifests and file names: in every format but
    JSON (which escapes them itself) control characters, bidi overrides and undecodable bytes become visible
    escapes, so a name cannot move the terminal's cursor or hide text."""
    if format_name == "json":
        return _json(view)
    if format_name == "dot":
        return escape_control(_dot(view), keep_newlines=True)
    if format_name == "mermaid":
        return escape_control(_mermaid(view), keep_newlines=True)
    return escape_control(_text(view), keep_newlines=True)


def _by_unit(view: View) -> list[tuple[str, list[Node]]]:
    """Nodes grouped by unit, in order (one group with unit ``""`` for a tree of plain files)."""
    groups: dict[str, list[Node]] = {}
    for node in view.nodes.values():
        groups.setdefault(node.unit, []).append(node)
    return list(groups.items())


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
    lines += [node.label for node_id, node in view.nodes.items() if node_id not in linked]
    return "\n".join(lines) + ("\n" if lines else "")


def _json(view: View) -> str:
    document: dict[str, Any] = {
        "kind": "reach" if view.reach else "graph",
        "nodes": [{"id": node.id, "kind": node.kind or None, "namespace": node.namespace, "name": node.name,
                   "file": node.file or None, "line": node.line or None, **({"unit": node.unit} if node.unit else {})}
                  for node in view.nodes.values()],
        "edges": [{"source": link.source, "target": link.target, "relation": link.relation, "ports": link.ports}
                  for link in view.links],
    }
    return json_text(document) + "\n"


_DOT_SHAPES = {"Service": "ellipse", "Ingress": "parallelogram", "NetworkPolicy": "hexagon", "": "doublecircle"}


def _dot_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(view: View) -> str:
    lines = ["digraph kubelint {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for index, (unit, nodes) in enumerate(_by_unit(view)):
        indent = "    " if unit else "  "
        if unit:
            lines.append(f"  subgraph cluster_{index} {{")
            lines.append(f"    label={_dot_quote(unit)};")
        for node in nodes:
            shape = _DOT_SHAPES.get(node.kind, "box")
            lines.append(f"{indent}{_dot_quote(node.id)} [label={_dot_quote(node.label)}, shape={shape}];")
        if unit:
            lines.append("  }")
    for link in view.links:
        style = ", style=dashed" if link.relation in (ALLOWS_FROM, ALLOWS_TO, ISOLATES) else ""
        lines.append(f"  {_dot_quote(link.source)} -> {_dot_quote(link.target)} "
                     f"[label={_dot_quote(link.label)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(value: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entities."""
    out = value
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        out = out.replace(char, entity)
    return out.replace("\n", " ")


_MERMAID_SHAPES = {"Service": ('(["', '"])'), "Ingress": ('[/"', '"/]'), "NetworkPolicy": ('{{"', '"}}'),
                   "": ('(("', '"))')}


def _mermaid(view: View) -> str:
    ids = {node_id: f"n{index}" for index, node_id in enumerate(view.nodes)}
    lines = ["flowchart LR"]
    for index, (unit, nodes) in enumerate(_by_unit(view)):
        indent = "    " if unit else "  "
        if unit:
            lines.append(f'  subgraph u{index}["{_mermaid_text(unit)}"]')
        for node in nodes:
            start, end = _MERMAID_SHAPES.get(node.kind, ('["', '"]'))
            lines.append(f"{indent}{ids[node.id]}{start}{_mermaid_text(node.label)}{end}")
        if unit:
            lines.append("  end")
    for link in view.links:
        arrow = "-.->" if link.relation in (ALLOWS_FROM, ALLOWS_TO, ISOLATES) else "-->"
        label = _mermaid_text(link.label)
        lines.append(f"  {ids[link.source]} {arrow}|\"{label}\"| {ids[link.target]}" if label
                     else f"  {ids[link.source]} {arrow} {ids[link.target]}")
    return "\n".join(lines) + "\n"
