"""Checks against the Kubernetes API schemas: invalid objects, unknown kinds, deprecated apiVersions, YAML 1.1.

Every check here shares one :class:`kubelint.schema.store.SchemaStore` per tree, so each object is
validated once whichever of these rules run. The schema machinery is imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubelint.checks import Hit, Params, check
from kubelint.findings import dotted
from kubelint.model.resource import Resource, split_api_version
from kubelint.model.tree import Tree
from kubelint.progress import processing_each


def _implicit(resource: Resource, problem: object) -> str | None:
    """The source text when a type problem is a YAML 1.1 plain scalar where a string was expected."""
    from kubelint.schema.errors import Problem

    assert isinstance(problem, Problem)
    if problem.code != "type" or "string" not in problem.expected:
        return None
    return resource.implicit_text(problem.path)


@check("schema-invalid")
def schema_invalid(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects that do not validate against the schema of their apiVersion and kind."""
    from kubelint.schema.store import store_for

    store = store_for(tree)
    with processing_each() as current:
        for resource in tree.linted:
            current.file = resource.file
            lookup = store.lookup(resource)
            if lookup.status == "not-served" and lookup.crd is not None:
                served = ", ".join(lookup.served)
                yield Hit(f"the CustomResourceDefinition of {resource.kind} does not serve "
                          f"{resource.api_version} (served: {served})", resource.where(("apiVersion",)),
                          (lookup.crd.where(message="the CustomResourceDefinition"),))
                continue
            if lookup.status == "missing-builtin":
                message = _missing_builtin(resource, store.version)
                if message:
                    yield Hit(message, resource.where(("kind",)))
                continue
            for problem in store.problems(resource):
                if _implicit(resource, problem) is None:
                    yield Hit(problem.message, resource.where(problem.path))


def _missing_builtin(resource: Resource, target: str) -> str | None:
    """Why a built-in group has no schema for an object at the target version (None: a removal)."""
    from kubelint.schema import builtin, deprecations
    from kubelint.schema.errors import did_you_mean

    if deprecations.status(resource.api_version, resource.kind, target) is not None:
        return None  # deprecated-api / removed-api say it
    group, version = split_api_version(resource.api_version)
    served = builtin.served_in(group, version, resource.kind)
    if served:
        return (f"{resource.api_version} {resource.kind} is served from Kubernetes {served[0]} on; "
                f"the target version is {target} (--kubernetes-version)")
    others = deprecations.replacements(group, resource.kind, target)
    if others:
        return (f"Kubernetes {target} does not serve {resource.kind} as {resource.api_version}; "
                f"use {' or '.join(others)}")
    suffix = f"-{group.split('.')[0]}-{version}.json" if group else f"-{version}.json"
    kinds = {}
    for name in builtin.kinds_of(target):
        if name.endswith(suffix) and "-" not in name[: -len(suffix)]:
            kinds[name[: -len(suffix)]] = name
    guess = did_you_mean(resource.kind.lower(), kinds)
    hint = ""
    if guess is not None:
        schema = builtin.kind_schema(target, group, version, _kind_of(target, kinds[guess]) or "")
        if schema is not None:
            hint = f"; did you mean \"{schema['x-kubernetes-group-version-kind'][0]['kind']}\"?"
    return f"{resource.api_version} has no kind \"{resource.kind}\" in Kubernetes {target}{hint}"


def _kind_of(target: str, file_name: str) -> str | None:
    import json
    import os

    from kubelint.schema import builtin

    root = builtin.schema_root()
    if root is None:
        return None
    try:
        with open(os.path.join(root, f"v{target}.0-local-strict", file_name), encoding="utf-8") as handle:
            kinds = json.load(handle).get("x-kubernetes-group-version-kind") or []
    except (OSError, ValueError, AttributeError):
        return None
    kind = kinds[0].get("kind") if kinds and isinstance(kinds[0], dict) else None
    return kind if isinstance(kind, str) else None


@check("yaml-implicit-type")
def yaml_implicit_type(tree: Tree, params: Params) -> Iterator[Hit]:
    """Plain scalars that YAML 1.1 reads as a boolean, number or null where the schema wants a string."""
    from kubelint.schema.store import store_for

    store = store_for(tree)
    with processing_each() as current:
        for resource in tree.linted:
            current.file = resource.file
            for problem in store.problems(resource):
                source = _implicit(resource, problem)
                if source is None:
                    continue
                value = resource.get(problem.path)
                if isinstance(value, bool):
                    what = f"the boolean {str(value).lower()}"
                elif isinstance(value, float) and value.is_integer():
                    what = f"the number {int(value)}"
                else:
                    what = "null" if value is None else f"the number {value}"
                yield Hit(f"{dotted(problem.path)}: `{source}` is read as {what} by Kubernetes, but a string is "
                          f"expected; quote it (\"{source}\")", resource.where(problem.path))


@check("unknown-kind")
def unknown_kind(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects of a kind that no schema describes: no CRD in the tree and none in ``--schema-location``."""
    from kubelint.schema.store import store_for

    store = store_for(tree)
    for resource in tree.linted:
        lookup = store.lookup(resource)
        if lookup.status == "unknown":
            folders = ("no --schema-location folder has a usable one (see the findings at "
                       f"{', '.join(lookup.skipped)})" if lookup.skipped else "no --schema-location folder has it")
            yield Hit(f"no schema for {resource.api_version} {resource.kind}: no CustomResourceDefinition in the "
                      f"tree defines it and {folders}, so it is not validated", resource.where(("kind",)))


@check("deprecated-api", params={"removed": {
    "type": "boolean", "description": "Report apiVersions removed (true) or only deprecated (false, default)."}})
def deprecated_api(tree: Tree, params: Params) -> Iterator[Hit]:
    """apiVersions deprecated (``params.removed: false``) or removed (``true``) at the target version."""
    from kubelint.schema.deprecations import status
    from kubelint.schema.store import store_for

    target = store_for(tree).version
    wanted = bool(params.get("removed", False))
    for resource in tree.linted:
        verdict = status(resource.api_version, resource.kind, target)
        if verdict is not None and verdict.removed == wanted:
            yield Hit(verdict.message, resource.where(("apiVersion",)))
