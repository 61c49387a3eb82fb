"""The parse cache writes and reads the parser's compact position tables in its one numbered format."""

from __future__ import annotations

from pathlib import Path

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


def test_positions_past_32_bits_are_refused() -> None:
    payload = b'[3, true, [[{}, 0, [4294967296, 1], []]], []]'
    try:
        parse_cache.decode(payload)
    except ValueError:
        return
    raise AssertionError("a line number past 32 bits was accepted")
