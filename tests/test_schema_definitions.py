"""Kubernetes' definitions read one at a time (schema.builtin.definition): the same definitions as parsing the
whole ``_definitions.json``, for every shipped version; any other layout is parsed whole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kubelint.schema import builtin

VERSIONS = builtin.available_versions()


def _text(version: str) -> bytes:
    with open(os.path.join(builtin._folder(version), "_definitions.json"), "rb") as handle:
        return handle.read()


def _closure_from_the_whole_file(schema: dict[str, Any], version: str) -> dict[str, Any]:
    """The definitions a schema reaches, walked over :func:`builtin.definitions` (the whole file, parsed)."""
    defs = builtin.definitions(version)["$defs"]
    found: dict[str, Any] = {}
    pending = builtin._refs(schema)
    while pending:
        name = pending.pop()
        if name in found or name not in defs:
            continue
        found[name] = defs[name]
        pending.extend(builtin._refs(defs[name]))
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_every_definition_alone_is_the_one_of_the_whole_file(version: str) -> None:
    whole = builtin.definitions(version)["$defs"]
    cut = builtin.cut_definitions(_text(version))
    assert cut is not None, "the package's layout changed: every run now parses the whole file"
    assert list(cut) == list(whole) and len(whole) > 500
    for name, definition in whole.items():
        assert builtin.definition(version, name) == definition, name
        key = f'{name}": {{\n'.encode()  # cut as expected (not read from the whole file after all)
        assert cut[name].startswith(key), name
        if name not in builtin.REWRITTEN and not any(owner == name for owner, _ in builtin.ENUMS):
            assert json.loads(cut[name][len(key) - 2:].rstrip().removesuffix(b",")) == definition, name
    with pytest.raises(KeyError):
        builtin.definition(version, "io.k8s.api.core.v1.NoSuchThing")


def test_a_kind_reaches_the_same_definitions_without_parsing_the_whole_file() -> None:
    version = VERSIONS[-1]
    for cached in (builtin.definitions, builtin.definition, builtin._definition_texts, builtin._reach):
        cached.cache_clear()
    schema = builtin.kind_schema(version, "apps", "v1", "Deployment")
    assert schema is not None
    reached = builtin.closure(schema, version)
    assert builtin.definitions.cache_info().currsize == 0, "the whole file was parsed"
    expected = _closure_from_the_whole_file(schema, version)
    assert reached == expected and len(reached) > 50
    assert reached["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {"type": ["string", "integer", "null"]}
    assert "Never" in reached["io.k8s.api.core.v1.PodSpec"]["properties"]["restartPolicy"]["enum"]


LAYOUTS = {
    "two-space indents": ({"$defs": {"a.A": {"properties": {"x": {"$ref": "#/$defs/b.B"}}}, "b.B": {"type": "string"}},
                           "$id": builtin.DEFINITIONS_ID}, 2),
    "one line": ({"$defs": {"a.A": {"type": "object"}, "b.B": {"type": "string"}}}, None),
    "four-space indents": ({"$defs": {"a.A": {"type": "object"}, "b.B": {"type": "string"}}}, 4),
    "$defs not first": ({"$id": "x", "$defs": {"a.A": {"type": "object"}}}, 2),
    "an escaped key": ({"$defs": {'q"uote\\d': {"type": "string"}, "b.B": {"type": "integer"}}}, 2),
    "definitions that are not objects": ({"$defs": {"a.A": {"type": "string"}, "b.B": True, "c.C": {}}}, 2),
    "another object after $defs": ({"$defs": {"a.A": {"type": "string"}}, "definitions": {"a.A": {"type": "null"}}}, 2),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_definition_is_the_one_parsing_the_whole_file_gives(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data, indent = LAYOUTS[layout]
    text = json.dumps(data, indent=indent).encode()
    monkeypatch.setattr(builtin, "_definition_texts", lambda version: builtin.cut_definitions(text))
    monkeypatch.setattr(builtin, "definitions", lambda version: json.loads(text))
    for name, expected in data["$defs"].items():
        assert builtin.definition.__wrapped__("x", name) == expected, name
    with pytest.raises(KeyError):
        builtin.definition.__wrapped__("x", "z.Z")
    if indent != 2 or "$defs" not in text[:15].decode():
        assert builtin.cut_definitions(text) is None


def test_a_definition_that_does_not_parse_alone_is_read_from_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    version = VERSIONS[-1]
    name = "io.k8s.api.core.v1.PodSpec"
    monkeypatch.setattr(builtin, "_definition_texts", lambda version: {name: name.encode() + b'": {\n "broken": '})
    assert builtin.definition.__wrapped__(version, name) == builtin.definitions(version)["$defs"][name]


def test_an_invalid_object_is_explained_without_parsing_the_whole_file(tmp_path: Path) -> None:
    from kubelint.engine import lint_tree
    from kubelint.loader import load_tree
    from kubelint.options import Options

    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 3\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
        "    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n"
        "          ports: [{containerPort: http}]\n")
    builtin.definitions.cache_clear()
    findings = lint_tree(load_tree([str(tmp_path)], Options(enable=["schema-invalid"]))).findings
    found = sorted((f.line, f.message) for f in findings if f.rule == "schema-invalid")
    assert [line for line, _ in found] == [6, 16] and "replica" in found[0][1] and "integer" in found[1][1]
    assert builtin.definitions.cache_info().currsize == 0, "the whole file was parsed"
