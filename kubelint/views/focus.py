"""Parts of a graph view: one namespace (``--namespace NS``), or one object and its neighbours (``--focus OBJ``,
``--depth N``)."""

from __future__ import annotations

import difflib
from collections import deque

from kubelint.views.graph import Node, View


class FocusError(ValueError):
    """A ``--focus`` name that names no object of the picture (the message says what would)."""


def _kept(view: View, keep: set[str]) -> View:
    """The view with only the nodes of ``keep`` and the edges between them, in the original order."""
    out = View(reach=view.reach)
    out.nodes = {node_id: node for node_id, node in view.nodes.items() if node_id in keep}
    out.links = [link for link in view.links if link.source in keep and link.target in keep]
    return out


def _neighbours(view: View) -> dict[str, set[str]]:
    around: dict[str, set[str]] = {node_id: set() for node_id in view.nodes}
    for link in view.links:
        around.setdefault(link.source, set()).add(link.target)
        around.setdefault(link.target, set()).add(link.source)
    return around


def only_namespace(view: View, namespace: str) -> View:
    """The objects of ``namespace`` and the edges between them, with each object elsewhere (another namespace,
    cluster-scoped, ``outside``) that an edge links to one of them: what crosses the namespace's border stays
    visible."""
    inside = {node_id for node_id, node in view.nodes.items() if node.namespace == namespace}
    around = _neighbours(view)
    keep = set(inside)
    for node_id in inside:
        keep |= around.get(node_id, set())
    return _kept(view, keep)


def _matches(node: Node, name: str) -> bool:
    parts = name.split("/")
    if node.members or not node.kind:
        return False
    if len(parts) == 3:
        return (node.kind.lower() == parts[0].lower() and (node.namespace or "") == parts[1]
                and node.name == parts[2])
    if len(parts) == 2:
        return (node.namespace == parts[0] and node.name == parts[1]) or \
            (node.namespace is None and node.kind.lower() == parts[0].lower() and node.name == parts[1])
    return len(parts) == 1 and node.name == name


def _title(node: Node) -> str:
    return "/".join(part for part in (node.kind, node.namespace or "", node.name) if part)


def focus(view: View, name: str, depth: int = 1) -> View:
    """The objects ``name`` (``Kind/namespace/name``, ``namespace/name``, ``Kind/name`` for a cluster-scoped
    object, or a name only one object has) names, and every object at most ``depth`` edges away (in either
    direction), with the edges between them."""
    found = [node_id for node_id, node in view.nodes.items() if _matches(node, name)]
    if len(name.split("/")) == 1 and len(found) > 1:
        raise FocusError(f"{name!r} names {len(found)} objects "
                         f"({', '.join(sorted(_title(view.nodes[node_id]) for node_id in found)[:6])}); "
                         "write namespace/name or Kind/namespace/name")
    if not found:
        drawn = [node for node in view.nodes.values() if node.kind and not node.members]
        known = sorted({_title(node) for node in drawn} | {f"{node.namespace}/{node.name}" for node in drawn
                                                          if node.namespace is not None})
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise FocusError(f"{name!r} names no object of the picture{hint}; write Kind/namespace/name or "
                         "namespace/name")
    around = _neighbours(view)
    distance = dict.fromkeys(found, 0)
    queue = deque(found)
    while queue:
        node_id = queue.popleft()
        if distance[node_id] >= depth:
            continue
        for other in sorted(around.get(node_id, ())):
            if other not in distance:
                distance[other] = distance[node_id] + 1
                queue.append(other)
    return _kept(view, set(distance))
