"""The pod template of every linted object that has one, found once per unit for the per-object checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelint.analysis import analysis_of
from kubelint.model.resource import PodTemplate, Resource
from kubelint.model.workloads import template_of

if TYPE_CHECKING:
    from kubelint.model.tree import Tree


@analysis_of("pod-templates")
def _templates(tree: Tree) -> list[tuple[Resource, PodTemplate]]:
    table = tree.workloads
    found = []
    for resource in tree.linted:
        template = template_of(resource, table)
        if template is not None:
            found.append((resource, template))
    return found


def linted_templates(tree: Tree) -> list[tuple[Resource, PodTemplate]]:
    """``(resource, template)`` for each object of ``tree.linted`` that creates pods from a template: the
    built-in workloads and the custom kinds of the workload table, in the tree's order. The JSON Schema
    policies (a dozen rules) iterate these instead of asking every object for its template again.

    Like reading ``tree.linted`` itself, calling this marks the running rule as one that looks at single
    objects (the commit gate lints only the changed files' objects again for such rules)."""
    linted = tree.linted  # read on every call: the mark is per rule, the list is computed once
    return _templates(tree) if linted else []
