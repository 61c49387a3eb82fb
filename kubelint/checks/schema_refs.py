"""Check a user's JSON Schema (a policy rule's ``params.schema``) before anything validates with it.

jsonschema resolves ``$ref`` lazily, while validating: a reference to nowhere then fails on the first object, and
a reference cycle that never moves into the instance (``a -> b -> a``) recurses until Python gives up. Both are
mistakes in a rule file, so they are found here, when rules load, and reported at the rule's file and line. So
is a schema nested too deeply for the validator's recursion.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from kubelint.findings import Path

MAX_SCHEMA_DEPTH = 64
"""Deepest nesting of a policy schema, in mappings and lists (policies nest a dozen levels; the validator
recurses a few frames per level and would fail past a few hundred)."""

_IN_PLACE_MAPS = ("$defs", "definitions")
"""Keywords whose values are subschemas by name, never applied by themselves."""
_IN_PLACE = frozenset(("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"))
"""Applicators that apply their subschemas to the same instance (a cycle through them never ends)."""


def schema_problem(schema: Any) -> tuple[Path, str] | None:
    """(path inside the schema, problem) for a schema that would fail while validating, or None."""
    nodes, deep = _nodes(schema)
    if deep is not None:
        return deep, f"the schema nests deeper than {MAX_SCHEMA_DEPTH} levels"
    for path, node in nodes.items():
        if isinstance(node, dict) and "$id" in node and path:
            return (*path, "$id"), "a nested $id is not supported: kubelint resolves every $ref from the schema's root"
    anchors = {node[key]: path for path, node in nodes.items() if isinstance(node, dict)
               for key in ("$anchor", "$dynamicAnchor") if isinstance(node.get(key), str)}
    targets: dict[Path, Path] = {}
    for path, node in nodes.items():
        if not isinstance(node, dict):
            continue
        for key in ("$ref", "$dynamicRef"):
            reference = node.get(key)
            if not isinstance(reference, str) or not reference.startswith("#"):
                continue  # a remote reference is refused by the caller
            target = _resolve(reference[1:], schema, anchors)
            if target is None:
                return (*path, key), f"{key} {reference!r} points to nothing in this schema"
            targets[path] = target
    cycle = _cycle(nodes, targets)
    if cycle is not None:
        return cycle, ("$ref cycle: these references lead back to themselves without moving into the object, "
                       "so validating would never end")
    return None


def _nodes(schema: Any) -> tuple[dict[Path, Any], Path | None]:
    """Every mapping and list in the schema by path, and the path of one nested too deeply (or None)."""
    nodes: dict[Path, Any] = {}
    stack: list[tuple[Path, Any]] = [((), schema)]
    while stack:
        path, node = stack.pop()
        if len(path) > MAX_SCHEMA_DEPTH:
            return nodes, path
        if isinstance(node, dict):
            nodes[path] = node
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            nodes[path] = node
            stack.extend(((*path, index), value) for index, value in enumerate(node))
    return nodes, None


def _resolve(fragment: str, schema: Any, anchors: dict[str, Path]) -> Path | None:
    """The path a ``#...`` fragment names (a JSON pointer or an anchor), or None when nothing is there."""
    fragment = unquote(fragment)
    if fragment and not fragment.startswith("/"):
        return anchors.get(fragment)
    path: list[str | int] = []
    node = schema
    for token in fragment.split("/")[1:] if fragment else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            path.append(token)
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            path.append(int(token))
            node = node[int(token)]
        else:
            return None
    return tuple(path)


def _same_instance(path: Path, node: Any, targets: dict[Path, Path]) -> list[Path]:
    """The subschemas applied to the same instance as the one at ``path``: its references and in-place
    applicators (a cycle among these is endless recursion)."""
    if not isinstance(node, dict):
        return []
    found = [targets[path]] if path in targets else []
    for key, value in node.items():
        if key in _IN_PLACE:
            if isinstance(value, list):
                found.extend((*path, key, index) for index in range(len(value)))
            elif key == "dependentSchemas" and isinstance(value, dict):
                found.extend((*path, key, name) for name in value)
            else:
                found.append((*path, key))
    return found


def _cycle(nodes: dict[Path, Any], targets: dict[Path, Path]) -> Path | None:
    """The path of a ``$ref`` on a cycle of same-instance edges, or None (iterative depth-first search)."""
    done: set[Path] = set()
    for start in targets:
        if start in done:
            continue
        on_path: set[Path] = {start}
        stack = [(start, iter(_same_instance(start, nodes.get(start), targets)))]
        while stack:
            path, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(path)
                done.add(path)
                continue
            if child in on_path:  # report a $ref of the cycle (every cycle has one: other edges go deeper)
                cycle = [entry for entry, _ in stack]
                members = cycle[cycle.index(child):]
                return (*next(member for member in members if member in targets), "$ref")
            if child not in done:
                on_path.add(child)
                stack.append((child, iter(_same_instance(child, nodes.get(child), targets))))
    return None
