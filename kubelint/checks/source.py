"""Checks about the input itself: problems met while reading files, and objects defined twice."""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import Hit, Params, check
from kubelint.findings import Location
from kubelint.model.resource import ObjectRef, Resource
from kubelint.model.tree import Tree
from kubelint.model.units import resource_unit


@check("source-problem", params={"problem": {
    "type": "string", "required": True,
    "description": "The reading problem to report: yaml-syntax, invalid-manifest, file-too-large, ..."}})
def source_problem(tree: Tree, params: Params) -> Iterator[Hit]:
    """Report the reading problems of one kind (``params.problem``: yaml-syntax, invalid-manifest, ...)."""
    wanted = params["problem"]
    for source in tree.sources:
        for problem in source.problems:
            if problem.code == wanted:
                yield Hit(problem.message, Location(source.display, problem.line, problem.column, via=source.via))


@check("duplicate-object")
def duplicate_object(tree: Tree, params: Params) -> Iterator[Hit]:
    """The same object (group, kind, namespace, name) defined more than once in one deployable unit: the later
    ones override. Two units (alternatives, separate examples, two overlays) may define the same object."""
    first: dict[tuple[str, ObjectRef], Resource] = {}
    for resource in tree.resources:
        if not tree.is_member(resource):
            continue  # an object of another unit, only seen from this one: applied separately, no conflict
        earlier = first.setdefault((resource_unit(resource), resource.ref), resource)
        if earlier is not resource:
            line, _ = earlier.position()
            yield Hit(
                f"{resource.ref} is defined again; the first definition is at {earlier.file}:{line}",
                resource.where(("metadata", "name")),
                (earlier.where(message="first definition"),),
            )
