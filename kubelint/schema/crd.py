"""CustomResourceDefinitions in the tree: their ``openAPIV3Schema`` turned into JSON Schema.

A CRD's schema is OpenAPI v3 with Kubernetes extensions, validated the way the API server does:
- ``nullable: false`` nulls are pruned before validation, so ``null`` is accepted everywhere;
- unknown fields are pruned (and rejected by ``kubectl``'s strict field validation) unless
  ``x-kubernetes-preserve-unknown-fields`` is set: strict mode forbids them;
- ``x-kubernetes-int-or-string`` accepts an integer or a string;
- ``x-kubernetes-embedded-resource`` objects need ``apiVersion`` and ``kind`` and may carry ``metadata``;
- the root always has ``apiVersion``, ``kind`` and ``metadata`` (checked as ``ObjectMeta``).
OpenAPI's boolean ``exclusiveMinimum``/``exclusiveMaximum`` become draft 2020-12 numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubelint.findings import Path
from kubelint.model.resource import Resource, mapping, sequence, text
from kubelint.records import record

OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

_COUNTS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_TYPES = {"object", "array", "string", "integer", "number", "boolean"}


@record(frozen=True)
class CrdVersion:
    """One served version of a custom kind, with the CRD that defines it."""

    group: str
    kind: str
    version: str
    schema: Any
    """The raw ``openAPIV3Schema`` (None when the version has none)."""
    crd: Resource
    schema_path: Path


def crd_versions(resource: Resource) -> Iterator[CrdVersion]:
    """Every served version of a CRD (``apiextensions.k8s.io/v1`` or ``v1beta1``)."""
    spec = resource.spec
    group, kind = text(spec.get("group")), text(mapping(spec.get("names")).get("kind"))
    if group is None or kind is None:
        return
    shared_path: Path = ("spec", "validation", "openAPIV3Schema")  # v1beta1: one schema for all versions
    shared = resource.get(shared_path)
    versions = sequence(spec.get("versions"))
    if not versions and text(spec.get("version")):
        yield CrdVersion(group, kind, spec["version"], shared, resource, shared_path)
        return
    for index, entry in enumerate(versions):
        entry = mapping(entry)
        name = text(entry.get("name"))
        if name is None or entry.get("served") is False:
            continue
        path: Path = ("spec", "versions", index, "schema", "openAPIV3Schema")
        own = resource.get(path)
        if own is None:
            own, path = shared, shared_path
        yield CrdVersion(group, kind, name, own, resource, path)


def to_json_schema(schema: Any, strict: bool) -> dict[str, Any]:
    """The draft 2020-12 schema that validates a custom resource like the API server would."""
    converted = _convert(schema if isinstance(schema, dict) else {}, strict, root=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **converted}


def _convert(node: dict[str, Any], strict: bool, root: bool = False) -> dict[str, Any]:
    # one pass over the keys present; only well-typed keywords are copied, so that a broken CRD is
    # reported on the CRD itself (by its built-in schema) and never crashes the validation of its objects
    out: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    extra: Any = None
    kind: Any = None
    for key, value in node.items():
        if key in _COUNTS:
            if _is_int(value) and value >= 0:
                out[key] = value
        elif key == "type":
            kind = value
        elif key == "properties":
            if isinstance(value, dict):
                properties = {name: _convert(sub, strict) for name, sub in value.items() if isinstance(sub, dict)}
        elif key == "items":
            if isinstance(value, dict):
                out["items"] = _convert(value, strict)
        elif key == "additionalProperties":
            extra = value
        elif key == "enum":
            if isinstance(value, list):
                out["enum"] = value if None in value else [*value, None]
        elif key == "required":
            if isinstance(value, list) and all(isinstance(name, str) for name in value):
                out["required"] = value
        elif key == "pattern":
            if isinstance(value, str) and _compiles(value):
                out["pattern"] = value
        elif key in ("minimum", "maximum"):
            if _is_number(value):
                flag = "exclusiveMinimum" if key == "minimum" else "exclusiveMaximum"
                out[flag if node.get(flag) is True else key] = value
        elif key == "uniqueItems":
            if isinstance(value, bool):
                out["uniqueItems"] = value
        elif key == "multipleOf":
            if _is_number(value) and value > 0:
                out["multipleOf"] = value
        elif key in ("allOf", "anyOf", "oneOf"):
            # value validations only (structural schemas forbid types and properties inside them)
            if isinstance(value, list):
                out[key] = [_convert(branch, False) for branch in value if isinstance(branch, dict)]
        elif key == "not" and isinstance(value, dict):
            out["not"] = _convert(value, False)
    if node.get("x-kubernetes-int-or-string") is True:
        out["type"] = ["integer", "string", "null"]
        for combinator in ("allOf", "anyOf", "oneOf"):
            out.pop(combinator, None)
    elif isinstance(kind, str) and kind in _TYPES:
        out["type"] = [kind, "null"]
    if root:
        properties.setdefault("apiVersion", {"type": ["string", "null"]})
        properties.setdefault("kind", {"type": ["string", "null"]})
        properties["metadata"] = {"$ref": OBJECT_META_REF}
    elif node.get("x-kubernetes-embedded-resource") is True:
        # the API server requires a non-empty apiVersion and kind, and reads metadata as ObjectMeta
        properties["apiVersion"] = {"type": "string", "minLength": 1}
        properties["kind"] = {"type": "string", "minLength": 1}
        properties["metadata"] = {"$ref": OBJECT_META_REF}
        out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})
    if properties:
        out["properties"] = properties
    if isinstance(extra, dict):
        out["additionalProperties"] = _convert(extra, strict)
    elif extra is False or (strict and properties and extra is None
                            and node.get("x-kubernetes-preserve-unknown-fields") is not True):
        out["additionalProperties"] = False
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compiles(pattern: str) -> bool:
    """Whether RE2 (the syntax of Go's ``regexp``, which the API server uses) compiles a pattern; the API
    server refuses a CRD whose pattern does not compile, so such a pattern is skipped."""
    from kubelint.patterns import pattern_problem

    return pattern_problem(pattern) is None
