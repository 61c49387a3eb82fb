"""The parse cache writes and reads the parser's compact position tables in its one numbered format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubelint.sources import cache as parse_cache
from kubelint.sources.yaml import Document, _Builder, parse

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, targetPort: http}]\n",
    "a: [yes, 0755, ~, 1.5, '3']\nb:\n  c: null\n---\n- x\n- {y: on}\n",
    "a: &x {b: 1}\nc: *x\n---\nplain: 1\n",  # one document with an alias keeps full tables, the other not
]


def _full_tables(text: str) -> list[Document]:
    builder = _Builder(full_tables=True)
    builder.run(text)
    return builder.documents


def test_compact_documents_are_written_exactly_as_full_tables_were() -> None:
    """The format is unchanged: the same bytes whichever table a document holds."""
    files = [*TEXTS, *(path.read_text() for path in sorted((ROOT / "fixtures").rglob("*.yaml"))[:80])]
    compact_seen = 0
    for text in files:
        documents, problems = parse(text)
        compact_seen += sum(1 for document in documents if document.table is not None)
        assert parse_cache.encode((True, documents, problems)) == parse_cache.encode(
            (True, _full_tables(text), problems))
    assert compact_seen > 50


def test_numbered_entries_are_read_back_compact_without_building_path_tables() -> None:
    documents, problems = parse(TEXTS[1] + "---\n" + TEXTS[0])
    _, back, _ = parse_cache.decode(parse_cache.encode((True, documents, problems)))
    assert len(back) == len(documents) == 3
    for original, copy in zip(documents, back, strict=True):
        table = copy.table
        assert table is not None and table._tables is None
        assert list(table.marks) == list(original.table.marks) and table.implicit == original.table.implicit
        assert copy.root_position == original.root_position and table._tables is None
        for path in list(original.positions)[:10]:  # lookups count the subtree sizes the cache does not store
            assert table.nearest((*path, "missing")) == original.positions[path]
        assert table._tables is None and table._sizes is not None
        assert copy == original


def test_positions_are_one_mark_per_node() -> None:
    documents, problems = parse(TEXTS[0])
    entry = parse_cache.encode((True, documents, problems))
    marks = json.loads(entry)[2][0][2]
    assert parse_cache._marks_of(marks, len(documents[0].table.marks)) == documents[0].table.marks
    for nodes in (len(documents[0].table.marks) - 1, len(documents[0].table.marks) + 1):
        with pytest.raises(ValueError, match="positions do not match"):
            parse_cache._marks_of(marks, nodes)


def test_lines_and_columns_past_16_bits_survive() -> None:
    text = "\n" * 70_000 + "a:\n" + " " * 70_000 + "b: 1\n"
    documents, problems = parse(text)
    _, back, _ = parse_cache.decode(parse_cache.encode((True, documents, problems)))
    assert back[0].positions[("a", "b")] == documents[0].positions[("a", "b")] == (70_002, 70_004)
