"""Positions: every node of every object maps to its 1-based line and column."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from kubelint.sources.scalars import resolve_plain
from kubelint.sources.yaml import nearest_position, parse


def at(text: str, line: int, column: int) -> str:
    return text.splitlines()[line - 1][column - 1:]


def test_block_style_positions_point_at_keys_and_values() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n"
        "      targetPort: http\n"
    )
    [document], problems = parse(text)
    assert not problems
    positions = document.positions
    assert positions[("metadata", "name")] == (4, 9)
    assert positions[("spec", "ports", 0, "targetPort")] == (8, 19)
    assert positions[("spec", "ports")] == (6, 3)  # a collection points at its key
    assert positions[("spec", "ports", 0)] == (7, 7)
    assert positions[()] == (1, 1)


def test_flow_style_and_json_positions() -> None:
    flow = 'metadata: {name: web, labels: {app: "shop"}}\nports: [80, {port: 443}]\n'
    [document], _ = parse(flow)
    assert document.positions[("metadata", "labels", "app")] == (1, 37)
    assert document.positions[("ports", 1, "port")] == (2, 20)
    text = '{\n  "kind": "ConfigMap",\n  "data": {"a": "b", "n": 3}\n}\n'
    [document], problems = parse(text)
    assert not problems
    assert document.data == {"kind": "ConfigMap", "data": {"a": "b", "n": 3}}
    assert document.positions[("data", "n")] == (3, 27)


def test_multi_document_streams_keep_their_own_positions() -> None:
    text = "---\n# only a comment\n---\na: 1\n...\n---\nb: [x]\n---\n"
    documents, problems = parse(text)
    assert not problems
    assert [d.data for d in documents] == [{"a": 1}, {"b": ["x"]}]
    assert documents[1].positions[("b", 0)] == (7, 5)
    assert [d.index for d in documents] == [1, 2]


def test_multi_line_strings_point_at_their_indicator() -> None:
    text = "data:\n  script: |\n    echo hi\n    echo there\n  folded: >-\n    a\n    b\nnext: 1\n"
    [document], _ = parse(text)
    assert document.data["data"]["script"] == "echo hi\necho there\n"
    assert document.data["data"]["folded"] == "a b"
    assert document.positions[("data", "script")] == (2, 11)
    assert document.positions[("next",)] == (8, 7)


def test_empty_value_points_at_its_key() -> None:
    [document], _ = parse("metadata:\n  name:\n")
    assert document.positions[("metadata", "name")] == (2, 3)


def test_yaml_11_scalars_are_resolved_as_kubernetes_reads_them() -> None:
    [document], _ = parse("a: yes\nb: 'yes'\nc: 0755\nd: off\ne: ~\nf: 1.5\ng: \"0755\"\nh: 0x1F\n")
    assert document.data == {"a": True, "b": "yes", "c": 493, "d": False, "e": None, "f": 1.5, "g": "0755",
                             "h": 31}
    assert document.implicit[("a",)] == "yes"
    assert ("b",) not in document.implicit


def test_merge_keys_and_aliases() -> None:
    text = "base: &b {x: 1, z: 2}\nchild:\n  <<: *b\n  z: 3\n"
    [document], problems = parse(text)
    assert not problems
    assert document.data["child"] == {"x": 1, "z": 3}


def test_yaml_11_keys_become_the_strings_kubernetes_makes_of_them() -> None:
    [document], problems = parse("y: 1\n'n': 2\non: 3\n")
    assert document.data == {"true": 3, "n": 2}  # go-yaml v2 reads `y` and `on` as true; the last wins
    assert [(p.code, p.line) for p in problems] == [("yaml-duplicate-key", 3)]


def test_unquoted_equals_sign_is_a_string() -> None:
    # The kube-prometheus CRDs hold a bare `=` that PyYAML's and ruamel's safe loaders reject.
    [document], problems = parse("enum:\n  - =\n  - '!='\n")
    assert not problems
    assert document.data == {"enum": ["=", "!="]}


def _stays_string(text: str) -> bool:
    return resolve_plain(text) == text


_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(_stays_string)
_scalars = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.booleans(),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -_./", min_size=1, max_size=20).filter(_stays_string),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, min_size=1, max_size=4),
                               st.dictionaries(_keys, children, min_size=1, max_size=4)),
    max_leaves=25,
)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [(path, value)]


def _dump(value: Any, style: str) -> str:
    if style == "json":
        return json.dumps(value, indent=1)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = style == "flow"
    stream = io.StringIO()
    yaml.dump(value, stream)
    return stream.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, min_size=1, max_size=5), st.sampled_from(["block", "flow", "json"]))
def test_every_scalar_position_points_at_text_holding_that_scalar(value: dict[str, Any], style: str) -> None:
    text = _dump(value, style)
    [document], problems = parse(text)
    assert not problems
    for path, scalar in _leaves(value):
        line, column = document.positions[path]
        found = at(text, line, column).lstrip("'\"")
        expected = {True: "true", False: "false"}.get(scalar, str(scalar)) if isinstance(scalar, bool) else str(
            scalar)
        assert found.startswith(expected.split(" ")[0]), (path, scalar, line, column, text)


# -- compact position tables -----------------------------------------------------------------------------

REPOSITORY = Path(__file__).resolve().parent.parent
CORPORA = REPOSITORY.parent.parent / "shared" / "corpora"
if not CORPORA.is_dir():
    CORPORA = REPOSITORY.parent / "shared" / "corpora"


def _full(text: str) -> tuple[list[Any], list[Any]]:
    """The documents as the builder makes them when it keeps full tables as it goes."""
    from kubelint.sources.yaml import _Builder

    builder = _Builder(full_tables=True)
    builder.run(text)
    return builder.documents, builder.problems


def _same_as_full(text: str) -> int:
    """Assert that the parse equals the full-table parse; returns how many documents were compact."""
    documents, problems = parse(text)
    full, full_problems = _full(text)
    assert sorted(problems, key=lambda p: (p.line, p.column)) == sorted(full_problems, key=lambda p: (p.line,
                                                                                                     p.column))
    assert len(documents) == len(full)
    for document, expected in zip(documents, full, strict=True):
        assert document.data == expected.data and document.index == expected.index
        assert dict(document.positions) == dict(expected.positions)
        assert dict(document.implicit) == dict(expected.implicit)
        assert document.root_position == expected.positions[()]
        table = document.table
        if table is not None:  # a lookup by walking the value finds what the built table holds
            from kubelint.sources.yaml import _subtree_sizes

            assert list(table._sizes or ()) == list(_subtree_sizes(document.data))  # the parser's sizes
            for path in list(expected.positions)[:200]:
                for probe in (path, (*path, "missing"), (*path, 10**6), (*path, -1)):
                    assert table.nearest(probe) == nearest_position(expected.positions, probe), probe
            table._lookups = 0
    return sum(1 for document in documents if document.table is not None)


def test_compact_tables_are_the_full_tables_on_every_fixture_example_and_corpus_file() -> None:
    files = [path for folder in (REPOSITORY / "fixtures", REPOSITORY / "examples", CORPORA)
             for pattern in ("*.yaml", "*.yml", "*.json") for path in sorted(folder.rglob(pattern))
             if path.is_file() and path.stat().st_size < 64_000]  # the big CRD bundles add time, not cases
    assert len(files) > 300
    compact = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        compact += _same_as_full(text)
    assert compact > 1000  # most documents keep the compact table


def test_documents_with_aliases_merges_or_duplicate_keys_keep_full_tables() -> None:
    for text in ("base: &b {x: 1, z: 2}\nchild:\n  <<: *b\n  z: 3\n", "a: &x [1, 2]\nb: *x\n",
                 "a:\n  b: 1\n  c: {d: 2}\na:\n  e: 3\n", "? *k\n: 1\n", "---\nplain: 1\n---\na: 1\na: 2\n"):
        _same_as_full(text)
    documents, _ = parse("---\nplain: 1\n---\na: 1\na: 2\n")
    assert documents[0].table is not None and documents[1].table is None
    assert documents[1].positions[("a",)] == (5, 4)


def test_compact_tables_are_built_only_when_read_and_survive_pickling() -> None:
    import pickle

    [document], _ = parse("a:\n  b: [1, yes, x]\n  c: ~\n")
    table = document.table
    assert table is not None and table._tables is None
    assert document.root_position == (1, 1) and table._tables is None
    assert nearest_position(document.positions, ("a", "b", 2, "x")) == (2, 15) and table._tables is None
    restored = pickle.loads(pickle.dumps(document))
    assert restored == document  # (comparing builds the tables)
    assert document.positions[("a", "b", 1)] == (2, 10) and document.implicit[("a", "b", 1)] == "yes"
    assert table._tables is not None
    assert pickle.loads(pickle.dumps(document)).table._tables is None  # the built tables are not stored


_any_keys = st.text(alphabet="abyno<&*-:", min_size=1, max_size=3)
_any_scalars = st.one_of(st.integers(min_value=-5, max_value=5), st.booleans(), st.none(),
                         st.text(alphabet="ab yn0x.~", max_size=4))
_any_values = st.recursive(_any_scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(_any_keys, children, max_size=3)), max_leaves=15)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_any_values, st.sampled_from(["block", "flow", "json"])), min_size=1, max_size=3),
       st.integers(min_value=0, max_value=40), st.sampled_from(["", "&a ", "*a", "<<: ", "a: 1\n"]))
def test_compact_tables_equal_full_tables_on_generated_streams(parts: list[tuple[Any, str]], cut: int,
                                                               extra: str) -> None:
    """Any stream, also with anchors, aliases, merge keys and duplicates spliced in, reads the same."""
    text = "---\n".join(_dump(value, style) for value, style in parts)
    text = text[:cut] + extra + text[cut:]
    _same_as_full(text)
