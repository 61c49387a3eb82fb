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
    if tree.options.schema_location:
        yield from _schema_file_problems(tree, wanted)


def _schema_file_problems(tree: Tree, wanted: str) -> Iterator[Hit]:
    """The ``--schema-location`` files that objects of the tree need but kubelint cannot use (not JSON, too large,
    not a regular file ...), at the file, with the first object that needed it: such a file is not skipped
    silently, since the objects it should validate go unvalidated."""
    from kubelint.schema.store import store_for

    store = store_for(tree)
    for resource in tree.linted:
        store.lookup(resource)  # the lookup of each type records its bad files; cached, so the schema rules reuse it
    for bad in store.bad_files.values():
        if bad.code == wanted:
            needed = bad.needed_by.where(("kind",), f"{bad.needed_by.api_version} {bad.needed_by.kind} looks its "
                                                    "schema up there")
            yield Hit(bad.message, Location(bad.file, bad.line, bad.column), (needed,))


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
