"""The graph view drawn: Graphviz DOT and Mermaid flowcharts.

Both formats group nodes by unit and, inside it, by namespace (DOT ``subgraph cluster_...``, Mermaid
``subgraph``), colour edges by kind, draw an edge a finding is about in red with the rule id, a node the tree does
not define dashed, and end with a legend of what the picture uses. Node ids are derived from the object's kind,
namespace and name (and unit), never from its position, so adding an object to the tree leaves every other id
unchanged and a pull request's diff of a committed picture shows only what changed.

Names come from manifests: every label is quoted and escaped for its format (DOT: backslash, quote and line
breaks, never an HTML-like label; Mermaid: entity codes for ``#"&<>|`` and backticks), after control characters
became visible escapes.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable

from kubelint.report.escape import escape_control
from kubelint.views.graph import Link, Node, View

FINDING_COLOUR = "#d00000"
STYLES: dict[str, tuple[str, str, str]] = {
    # relation: (colour, DOT style, what it means)
    "selects": ("#333333", "solid", "a Service (or PDB) selects the pods of a workload"),
    "routes": ("#1f4e9c", "solid", "an Ingress routes to a Service"),
    "routes-to": ("#1f4e9c", "solid", "a route sends traffic to a backend"),
    "attaches-to": ("#1f4e9c", "dashed", "a route attaches to a Gateway"),
    "secures": ("#1f4e9c", "dotted", "a BackendTLSPolicy makes Gateways connect to the Service over TLS"),
    "isolates": ("#888888", "dashed", "a NetworkPolicy isolates the pods it selects"),
    "allows-from": ("#2e7d32", "dashed", "traffic a NetworkPolicy admits: from the peer to the policy's pods"),
    "allows-to": ("#2e7d32", "dashed", "traffic a NetworkPolicy lets out: from the policy's pods to the peer"),
    "reach": ("#2e7d32", "solid", "may open connections to (after all policies), on the ports shown"),
    "depends": ("#6a1b9a", "dotted", "its configuration names the Service (address)"),
    "uses": ("#555555", "solid", "refers to (ConfigMap, Secret, ServiceAccount, claim, class)"),
    "scales": ("#555555", "solid", "an autoscaler scales"),
    "protects": ("#555555", "solid", "a PodDisruptionBudget protects"),
    "governed-by": ("#555555", "solid", "a StatefulSet's governing Service"),
    "binds": ("#555555", "solid", "a binding grants a role"),
    "grants": ("#555555", "solid", "a binding's subject"),
}
DEFAULT_STYLE = ("#333333", "solid", "")
FINDING_MEANING = "red, with the rule id: a finding is about this edge (kubelint lint says more)"
MISSING_MEANING = "dashed: not in the tree (with a red edge: a reference that resolves to nothing)"
MARKED_MEANING = "red outline, with rule ids: a finding about the object that no edge shows"

_DOT_SHAPES = {"Service": "ellipse", "Ingress": "parallelogram", "NetworkPolicy": "hexagon", "": "doublecircle"}
_MERMAID_SHAPES = {"Service": ('(["', '"])'), "Ingress": ('[/"', '"/]'), "NetworkPolicy": ('{{"', '"}}'),
                   "": ('(("', '"))')}
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9]+")


def stable_id(node: Node) -> str:
    """A DOT and Mermaid node id from what the node is (kind, namespace, name, unit): readable, made of
    ``[A-Za-z0-9_]`` only, unique through a digest of the full identity, and the same whatever else the tree
    holds."""
    if node.members:
        readable = f"mesh_{node.namespace or ''}"
    elif not node.kind:
        readable = node.name if not node.missing else f"missing_{node.namespace or ''}"
    else:
        readable = f"{node.kind}_{node.namespace or ''}_{node.name}"
    readable = _UNSAFE_ID.sub("_", readable).strip("_")[:48] or "node"
    if not readable[0].isalpha():
        readable = f"n_{readable}"
    digest = hashlib.sha256(node.id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}_{digest}"


def _group_id(prefix: str, name: str) -> str:
    return f"{prefix}_{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _grouped(view: View) -> list[tuple[str, list[tuple[str | None, list[Node]]]]]:
    """Nodes by unit, then by namespace (``None``: cluster-scoped objects and ``outside``), in order."""
    units: dict[str, dict[str | None, list[Node]]] = {}
    for node in view.nodes.values():
        namespace = None if node.id.startswith("outside") and not node.kind else node.namespace
        units.setdefault(node.unit, {}).setdefault(namespace, []).append(node)
    return [(unit, list(namespaces.items())) for unit, namespaces in units.items()]


def _label(node: Node) -> str:
    text = node.label
    if node.findings:
        text += f"\n[{', '.join(node.findings)}]"
    return text


def _style(link: Link) -> tuple[str, str, str]:
    return STYLES.get(link.relation, DEFAULT_STYLE)


def _legend_entries(view: View) -> list[tuple[str, str, str, str]]:
    """(key, colour, style, meaning) for each kind of edge the picture uses, then findings and missing objects."""
    entries = []
    for relation in dict.fromkeys(link.relation for link in view.links):
        colour, style, meaning = STYLES.get(relation, DEFAULT_STYLE)
        entries.append((relation, colour, style, f"{relation}: {meaning}" if meaning else relation))
    if any(link.findings for link in view.links):
        entries.append(("finding", FINDING_COLOUR, "bold", FINDING_MEANING))
    return entries


# DOT ------------------------------------------------------------------------------------------------


def dot_quote(value: str) -> str:
    """A DOT quoted string (never an HTML-like ``<...>`` label): backslashes, quotes and line breaks escaped, so
    a name cannot end the string, start an escape sequence such as ``\\N`` or ``\\l``, or add attributes."""
    text = "\n".join(escape_control(line, keep_newlines=False) for line in value.split("\n"))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(view: View) -> str:
    """The view as a Graphviz digraph."""
    ids = {node_id: stable_id(node) for node_id, node in view.nodes.items()}
    lines = ["digraph kubelint {", "  rankdir=LR;", '  graph [fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    for unit, namespaces in _grouped(view):
        indent = "  "
        if unit:
            lines += [f"  subgraph {_group_id('cluster_unit', unit)} {{", f"    label={dot_quote(unit)};"]
            indent = "    "
        for namespace, nodes in namespaces:
            inner = indent
            if namespace is not None:
                lines += [f"{indent}subgraph {_group_id('cluster_ns', f'{unit}/{namespace}')} {{",
                          f"{indent}  label={dot_quote(f'namespace {namespace}')};",
                          f'{indent}  style="rounded,dashed"; color="#999999"; fontsize=10;']
                inner = indent + "  "
            lines += [f"{inner}{ids[node.id]} [{_dot_node(node)}];" for node in nodes]
            if namespace is not None:
                lines.append(f"{indent}}}")
        if unit:
            lines.append("  }")
    for link in view.links:
        lines.append(f"  {ids[link.source]} -> {ids[link.target]} [{_dot_edge(link)}];")
    lines += _dot_legend(view)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(node: Node) -> str:
    shape = _DOT_SHAPES.get(node.kind, "box") if not node.members else "box3d"
    if node.missing and not node.kind:
        shape = "box"
    attributes = [f"label={dot_quote(_label(node))}", f"shape={shape}"]
    if node.missing:
        attributes += ["style=dashed", 'color="#999999"', 'fontcolor="#666666"']
    if node.findings:
        attributes += [f'color="{FINDING_COLOUR}"', "penwidth=2"]
    return ", ".join(attributes)


def _dot_edge(link: Link) -> str:
    colour, style, _ = _style(link)
    attributes = [f"label={dot_quote(link.label)}"]
    if link.findings:
        attributes += [f'color="{FINDING_COLOUR}"', f'fontcolor="{FINDING_COLOUR}"', "penwidth=2"]
    else:
        attributes.append(f'color="{colour}"')
    if style != "solid":
        attributes.append(f"style={style}")
    return ", ".join(attributes)


_GLYPHS = {"solid": "&#8212;&#8212;&#8212;&gt;", "dashed": "- - - &gt;", "dotted": ". . . . &gt;",
           "bold": "&#9473;&#9473;&#9473;&gt;"}


def _dot_legend(view: View) -> list[str]:
    """One plain node holding a table: a line drawn in each edge kind's colour and style, and what it means.
    The table is an HTML-like label of kubelint's own fixed text (no name from the tree goes into it)."""
    entries = _legend_entries(view)
    rows = [f'<tr><td align="left"><font color="{colour}">{_GLYPHS.get(style, _GLYPHS["solid"])}</font></td>'
            f'<td align="left">{html.escape(meaning)}</td></tr>' for _, colour, style, meaning in entries]
    if any(node.missing for node in view.nodes.values()):
        rows.append(f'<tr><td align="left"><font color="#999999">[- - -]</font></td>'
                    f'<td align="left">{html.escape(MISSING_MEANING)}</td></tr>')
    if any(node.findings for node in view.nodes.values()):
        rows.append(f'<tr><td align="left"><font color="{FINDING_COLOUR}">[&#9473;&#9473;&#9473;]</font></td>'
                    f'<td align="left">{html.escape(MARKED_MEANING)}</td></tr>')
    if not rows:
        return []
    table = ('<table border="1" color="#bbbbbb" cellborder="0" cellspacing="1" cellpadding="2">'
             '<tr><td colspan="2"><b>legend</b></td></tr>' + "".join(rows) + "</table>")
    return [f"  legend [shape=plaintext, fontsize=9, label=<{table}>];"]


# Mermaid --------------------------------------------------------------------------------------------


def mermaid_text(value: str) -> str:
    """Text inside a quoted Mermaid label: ``#`` (which starts an entity code) first, then quotes, markup
    characters, ``|`` (which ends an edge label) and backticks (which start Markdown strings and could close a
    Markdown fence) as entity codes; line breaks as spaces."""
    out = escape_control(value.replace("\n", " ").replace("\r", " "), keep_newlines=False)
    for char, entity in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
                         ("|", "#124;"), ("`", "#96;")):
        out = out.replace(char, entity)
    return out


def mermaid(view: View) -> str:
    """The view as a Mermaid flowchart."""
    ids = {node_id: stable_id(node) for node_id, node in view.nodes.items()}
    lines = ["flowchart LR"]
    for unit, namespaces in _grouped(view):
        indent = "  "
        if unit:
            lines.append(f'  subgraph {_group_id("unit", unit)}["{mermaid_text(unit)}"]')
            indent = "    "
        for namespace, nodes in namespaces:
            inner = indent
            if namespace is not None:
                lines.append(f'{indent}subgraph {_group_id("ns", f"{unit}/{namespace}")}'
                             f'["{mermaid_text(f"namespace {namespace}")}"]')
                inner = indent + "  "
            for node in nodes:
                start, end = _MERMAID_SHAPES.get(node.kind, ('["', '"]')) if not node.missing or node.kind \
                    else ('["', '"]')
                lines.append(f"{inner}{ids[node.id]}{start}{mermaid_text(_label_line(node))}{end}")
            if namespace is not None:
                lines.append(f"{indent}end")
        if unit:
            lines.append("  end")
    styles: list[str] = []
    for link in view.links:
        colour, style, _ = _style(link)
        arrow = "==>" if link.findings else "-.->" if style in ("dashed", "dotted") else "-->"
        label = mermaid_text(link.label)
        lines.append(f'  {ids[link.source]} {arrow}|"{label}"| {ids[link.target]}' if label
                     else f"  {ids[link.source]} {arrow} {ids[link.target]}")
        styles.append(FINDING_COLOUR if link.findings else colour)
    lines += _mermaid_legend(view, styles)
    by_colour: dict[str, list[str]] = {}
    for index, colour in enumerate(styles):
        by_colour.setdefault(colour, []).append(str(index))
    lines += [f"  linkStyle {','.join(indices)} stroke:{colour},color:{colour}"
              for colour, indices in by_colour.items()]
    missing = [ids[node.id] for node in view.nodes.values() if node.missing]
    marked = [ids[node.id] for node in view.nodes.values() if node.findings]
    if missing or any("legend_missing" in line for line in lines):
        lines.append("  classDef missing stroke-dasharray:5 5,stroke:#999999,color:#666666")
    if marked or any("legend_marked" in line for line in lines):
        lines.append(f"  classDef finding stroke:{FINDING_COLOUR},stroke-width:2px")
    lines += [f"  class {','.join(chunk)} missing" for chunk in _chunks(missing + _present(lines, "legend_missing"))]
    lines += [f"  class {','.join(chunk)} finding" for chunk in _chunks(marked + _present(lines, "legend_marked"))]
    return "\n".join(lines) + "\n"


def _label_line(node: Node) -> str:
    return node.label + (f" [{', '.join(node.findings)}]" if node.findings else "")


def _present(lines: list[str], name: str) -> list[str]:
    return [name] if any(line.startswith(f"    {name}[") for line in lines) else []


def _chunks(items: list[str], size: int = 50) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _mermaid_legend(view: View, styles: list[str]) -> list[str]:
    """The legend's lines; the colour of each of its edges is appended to ``styles`` (edges are numbered in
    the order they are written)."""
    entries = _legend_entries(view)
    missing = any(node.missing for node in view.nodes.values())
    marked = any(node.findings for node in view.nodes.values())
    if not entries and not missing and not marked:
        return []
    lines = ['  subgraph legend["legend"]', "    direction LR"]
    for index, (_, colour, style, meaning) in enumerate(entries):
        arrow = "==>" if style == "bold" else "-.->" if style in ("dashed", "dotted") else "-->"
        lines.append(f'    legend_{index}_from[" "] {arrow}|"{mermaid_text(meaning)}"| legend_{index}_to[" "]')
        styles.append(colour)
    if missing:
        lines.append(f'    legend_missing["{mermaid_text(MISSING_MEANING)}"]')
    if marked:
        lines.append(f'    legend_marked["{mermaid_text(MARKED_MEANING)}"]')
    lines.append("  end")
    return lines
