"""A content-addressed cache of parsed documents, so that unchanged files are not parsed again.

Entries live in the ``parse`` part of a private, signed :class:`~kubelint.cachedir.CacheFolder`: the name is a
hash of the file's bytes and kubelint's version, the entry is signed together with that digest (so it is bound to
the content it was parsed from), and the payload is JSON, which loading cannot turn into code. Loading checks the
shape of everything; any entry that is not exactly what this version writes is a miss and is rewritten.

A document is stored as its value, its index, the positions of its nodes in the order a depth-first walk of the
value meets them (no paths spelled out: the walk rebuilds them) and the source text of its implicitly typed scalars
by node number. The positions are the parser's packed marks (``line << 32 | column``, 0-based), as base64 of their
little-endian 64-bit bytes: one JSON string that reads back into the table without a Python step per node, and
whose length must be exactly one mark per node of the value. A document whose position table is not one entry
per node (YAML aliases and merge keys) spells its paths out instead.

A file of a git tree state (the hook, ``--new-since``) is stored by its git blob id instead (``blob_key``: git names
a blob by a hash of its bytes), with its text, so that a warm run neither reads its bytes from git nor hashes them.

The numbered form is the parser's own compact table (:class:`~kubelint.sources.yaml.NodeTable`): such a
document is written from it and read back into it without building a table keyed by path.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import sys
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from kubelint import __version__
from kubelint.cachedir import CacheFolder, UnsafeFolder, default_cache_dir, signing_key
from kubelint.findings import Path as NodePath
from kubelint.sources.yaml import Document, Problem, node_count

T = TypeVar("T")

FORMAT = 4
"""Bump when the shape of Document or Problem, or of their encoding here, changes."""

KIND = "parse"

Parsed = tuple[bool, list[Document], list[Problem]]
"""What a file parses into: whether it is text, its documents and its reading problems."""

BlobParse = tuple[str, list[Document], list[Problem]]
"""What a file read from git becomes: its text (``""`` when it is not text), documents and reading problems."""


class ParseCache:
    """Parsed documents by content hash, stored under ``folder`` (see :mod:`kubelint.cachedir`).

    Raises :class:`~kubelint.cachedir.UnsafeFolder` when the folder (or the key's folder) is not private.
    """

    def __init__(self, folder: Path | None = None, state_dir: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()
        self._store = CacheFolder(self.folder, KIND, signing_key(state_dir))
        self._salt = f"kubelint {__version__} format {FORMAT}\0".encode()

    def key(self, data: bytes) -> str:
        """The entry name for a file's bytes."""
        return self._name(data)

    def get(self, key: str) -> Parsed | None:
        """The cached parse, or None when absent, unreadable, forged or not of this version's shape."""
        return self._decoded(key, decode)

    def put(self, key: str, value: Parsed) -> None:
        """Store a parse; failures (read-only disk, full disk) are ignored: the cache is an optimisation."""
        self._store.put(key, key.encode(), encode(value))

    def blob_key(self, oid: str, chart_template: bool) -> str:
        """The entry name for a git blob, read as a chart template or not. git names a blob by a hash of its bytes,
        so a file of a tree state finds its entry without its bytes being read from git (or hashed again)."""
        return self._name(f"git blob {oid} {'template' if chart_template else 'file'}".encode())

    def _name(self, content: bytes) -> str:
        """An entry name: SHA-256 of this version's salt and ``content``."""
        digest = hashlib.sha256(self._salt)
        digest.update(content)
        return digest.hexdigest()[:40]

    def get_blob(self, key: str) -> BlobParse | None:
        """A git blob's cached text and parse (see :meth:`blob_key`), or None as :meth:`get`."""
        return self._decoded(key, decode_blob)

    def put_blob(self, key: str, value: BlobParse) -> None:
        """Store a git blob's text and parse; failures are ignored as in :meth:`put`."""
        self._store.put(key, key.encode(), encode_blob(value))

    def _decoded(self, key: str, decoder: Callable[[bytes], T]) -> T | None:
        """The entry ``key`` decoded, or None when absent, unreadable, forged or not of this version's shape."""
        payload = self._store.get(key, key.encode())
        if payload is None:
            return None
        try:
            return decoder(payload)
        except Exception:  # any surprise in an entry is a miss, never a crash
            return None

    def hold(self) -> None:
        """In a worker process: keep new entries for :meth:`take` instead of writing them (see
        :meth:`kubelint.cachedir.CacheFolder.hold`)."""
        self._store.hold()

    def take(self) -> dict[str, bytes]:
        """In a worker process: the signed entries made since the last call, for the parent's :meth:`keep`."""
        return self._store.take()

    def keep(self, entries: dict[str, bytes]) -> None:
        """Store the entries a worker process made (its :meth:`take`)."""
        self._store.keep(entries)

    def close(self) -> None:
        """End of a run: prune the cache folder if this run wrote to it."""
        self._store.close()


def open_cache(folder: Path | None = None) -> tuple[ParseCache | None, str]:
    """The parse cache, or None and why not (a folder that is not private, a disk that cannot hold it)."""
    try:
        return ParseCache(folder), ""
    except UnsafeFolder as error:
        return None, str(error)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        return None, f"cannot use the cache folder{where}: {error.strerror or error}"


def encode(value: Parsed) -> bytes:
    """A parse as JSON bytes."""
    is_text, documents, problems = value
    return _json([FORMAT, is_text, *_encode_parse(documents, problems)])


def encode_blob(value: BlobParse) -> bytes:
    """A git blob's text and parse as JSON bytes (tagged, so that neither kind of entry reads as the other)."""
    text, documents, problems = value
    return _json([FORMAT, "blob", text, *_encode_parse(documents, problems)])


def _json(value: list[Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def _encode_parse(documents: list[Document], problems: list[Problem]) -> list[list[Any]]:
    return [[_encode_document(document) for document in documents],
            [[p.code, p.message, p.line, p.column] for p in problems]]


def _walk(data: Any) -> list[NodePath]:
    """Every node's path, depth first, children in order (the order the parser records positions in)."""
    paths: list[NodePath] = [()]
    append = paths.append
    stack: list[tuple[NodePath, Iterator[tuple[Any, Any]]]] = []
    if type(data) is dict:
        stack.append(((), iter(data.items())))
    elif type(data) is list:
        stack.append(((), iter(enumerate(data))))
    while stack:
        prefix, items = stack[-1]
        for key, node in items:
            path = prefix + (key,)  # noqa: RUF005  # concatenation is faster than unpacking
            append(path)
            if type(node) is dict:
                stack.append((path, iter(node.items())))
                break
            if type(node) is list:
                stack.append((path, iter(enumerate(node))))
                break
        else:
            stack.pop()
    return paths


def _encode_document(document: Document) -> list[Any]:
    table = document.table
    if table is not None:  # the same numbered form, straight from the compact table
        return [document.data, document.index, _text_of(table.marks),
                [[number, text] for number, text in table.implicit.items()]]
    positions = document.positions
    paths = _walk(document.data)
    if len(paths) == len(positions) and all(path in positions for path in paths):
        marks = array("Q", [(line - 1) << 32 | (column - 1) for line, column in map(positions.__getitem__, paths)])
        number = {path: index for index, path in enumerate(paths)}
        implicit = [[number[path], text] for path, text in document.implicit.items() if path in number]
        if len(implicit) == len(document.implicit):
            return [document.data, document.index, _text_of(marks), implicit]
    return [document.data, document.index,
            {"paths": [[list(path), line, column] for path, (line, column) in positions.items()],
             "implicit": [[list(path), text] for path, text in document.implicit.items()]}]


_BIG_ENDIAN = sys.byteorder == "big"


def _text_of(marks: array[int]) -> str:
    """Packed marks as base64 of their little-endian 64-bit bytes."""
    if _BIG_ENDIAN:
        marks = array("Q", marks)
        marks.byteswap()
    return binascii.b2a_base64(marks.tobytes(), newline=False).decode("ascii")


def _marks_of(text: str, nodes: int) -> array[int]:
    """The packed marks written by :func:`_text_of`; ``ValueError`` unless there are exactly ``nodes`` of them.
    (Any 64-bit number is a position: line and column are 32 bits each.)"""
    raw = binascii.a2b_base64(text)
    if len(raw) != 8 * nodes:
        raise ValueError("positions do not match the document")
    marks = array("Q")
    marks.frombytes(raw)
    if _BIG_ENDIAN:
        marks.byteswap()
    return marks


def decode(payload: bytes) -> Parsed:
    """A parse from :func:`encode`'s bytes; ``ValueError`` (or another error) when they are not exactly that."""
    value = json.loads(payload)
    if type(value) is not list or len(value) != 4 or value[0] != FORMAT or type(value[1]) is not bool:
        raise ValueError("not a parse cache entry")
    _, is_text, documents, problems = value
    if type(documents) is not list or type(problems) is not list:
        raise ValueError("not a parse cache entry")
    return is_text, *_decode_parse(documents, problems)


def decode_blob(payload: bytes) -> BlobParse:
    """A git blob's text and parse from :func:`encode_blob`'s bytes; ``ValueError`` (or another error) otherwise."""
    value = json.loads(payload)
    if (type(value) is not list or len(value) != 5 or value[0] != FORMAT or value[1] != "blob"
            or type(value[2]) is not str or type(value[3]) is not list or type(value[4]) is not list):
        raise ValueError("not a git blob entry")
    _, _, text, documents, problems = value
    return text, *_decode_parse(documents, problems)


def _decode_parse(documents: list[Any], problems: list[Any]) -> tuple[list[Document], list[Problem]]:
    """The documents and problems :func:`_encode_parse` wrote (each checked)."""
    return [_decode_document(item) for item in documents], [_decode_problem(item) for item in problems]


def _decode_problem(item: Any) -> Problem:
    if (type(item) is not list or len(item) != 4 or type(item[0]) is not str or type(item[1]) is not str
            or type(item[2]) is not int or type(item[3]) is not int):
        raise ValueError("bad problem")
    return Problem(item[0], item[1], item[2], item[3])


def _decode_document(item: Any) -> Document:
    if type(item) is not list or len(item) not in (3, 4) or type(item[1]) is not int:
        raise ValueError("bad document")
    data, index = item[0], item[1]
    if len(item) == 4:
        encoded, numbered = item[2], item[3]
        if type(encoded) is not str or type(numbered) is not list:
            raise ValueError("bad document")
        nodes = node_count(data)
        marks = _marks_of(encoded, nodes)
        texts: dict[int, str] = {}
        for entry in numbered:  # one plain loop: a generator per document cost more than the checks
            if type(entry) is not list or len(entry) != 2:
                raise ValueError("bad implicit scalar")
            number, text = entry
            if type(number) is not int or not 0 <= number < nodes or type(text) is not str:
                raise ValueError("bad implicit scalar")
            texts[number] = text
        return Document.compact(data, index, marks, texts)
    else:
        table = item[2]
        if type(table) is not dict:
            raise ValueError("bad document")
        positions = {tuple(path): (line, column) for path, line, column in table["paths"]}
        implicit = {tuple(path): text for path, text in table["implicit"]}
        if not _all_positive_ints([number for position in positions.values() for number in position]):
            raise ValueError("bad position")
        if any(type(part) is not str and type(part) is not int for path in positions for part in path):
            raise ValueError("bad path")
        if any(type(text) is not str or path not in positions for path, text in implicit.items()):
            raise ValueError("bad implicit scalar")
    return Document(data, positions, index, implicit)


def _all_positive_ints(numbers: list[Any]) -> bool:
    return not numbers or (set(map(type, numbers)) == {int} and min(numbers) >= 1)
