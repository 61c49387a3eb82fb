"""The API groups of a tree's objects, so that checks of one API (Gateway API, Istio) can tell at once that a tree
has nothing of it, without importing or computing their analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelint.analysis import analysis_of

if TYPE_CHECKING:
    from kubelint.model.tree import Tree


@analysis_of("api-groups")
def api_groups(tree: Tree) -> frozenset[str]:
    """The API group of every object of the tree (``""`` for the core group)."""
    return frozenset({resource.ref.group for resource in tree.resources})
