"""How deep a decoded JSON value nests, so that files read as JSON are refused alike on every Python.

Python's ``json`` decoder recursed once per level and raised ``RecursionError`` past about 1,000 levels up to
Python 3.12; from 3.13 it decodes far deeper. Files a user points kubelint at (baselines, ``--schema-location``
schemas) are refused past :data:`MAX_JSON_DEPTH` levels on every version.
"""

from __future__ import annotations

from typing import Any

MAX_JSON_DEPTH = 512
"""More levels than any baseline or Kubernetes schema has, and fewer than Python 3.11's decoder allows."""


def nested_deeper_than(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (dicts and lists, as ``json`` decodes them) holds containers more than ``limit`` deep."""
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
                 if isinstance(child, (dict, list))]
    return False
