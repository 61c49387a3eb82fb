"""Parse a big tree's files on every usable core: worker processes forked from this one (see
:mod:`kubelint.forked`) take runs of files, in discovery order, and send back what
:func:`~kubelint.sources.read.load_source` made of each, as plain values.

Only big trees gain (:data:`MIN_BYTES`): workers cost a fork each, and every parse crosses back as bytes that this
process turns into values again (about a tenth of the cost of parsing). With the parse cache, each worker looks its
files up in it and signs entries for what it parsed; this process writes them (one pack for the run, as a serial
run writes). A file a worker could not parse or send, and every file left when a worker dies, is parsed in this
process: the result never depends on the workers.
"""

from __future__ import annotations

import marshal
import os
from array import array
from collections.abc import Callable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any, TypeVar

from kubelint import forked
from kubelint.sources.discover import STDIN, Candidate
from kubelint.sources.read import Source, load_source
from kubelint.sources.yaml import Document, Problem

if TYPE_CHECKING:
    from kubelint.sources.boundary import Boundary
    from kubelint.sources.cache import ParseCache

MIN_BYTES = 8 * 1024 * 1024
"""Trees with fewer bytes of files are parsed in this process (at 5.6 MB, workers cost 18% more CPU for 6% less
time; at 10 MB they gave 1.29x for 6% more CPU)."""
CHUNK_BYTES = 1024 * 1024
"""Workers are handed runs of files of about this many bytes, in order."""

T = TypeVar("T")


def parse_in_workers(files: list[Candidate], max_size: int, cache: ParseCache | None, boundary: Boundary | None,
                     jobs: int = 0) -> Iterator[Source | None] | None:
    """Each file's source in order, parsed by worker processes (None for a file to parse here), or None when the
    files are better parsed here: ``jobs`` is 1, the tree is small, fork is unsafe, one core, standard input.
    ``jobs``: at most this many workers (0: one per usable core)."""
    if any(candidate.path == STDIN for candidate in files):
        return None
    return parse_each(files, lambda candidate: _size(candidate.path),
                      lambda candidate: load_source(candidate, max_size, cache, boundary), cache, jobs)


def parse_each(items: list[T], size: Callable[[T], int], parse: Callable[[T], Source], cache: ParseCache | None,
               jobs: int = 0) -> Iterator[Source | None] | None:
    """``parse(item)`` for each item (``size``: its bytes), in order, called by worker processes (None for an item
    to parse here), or None when the items are better parsed here (``jobs`` 1, fewer than :data:`MIN_BYTES`, fork
    unsafe, one core). ``parse`` may store entries in ``cache``: the workers sign them, this process writes them."""
    workers = forked.workers_for(jobs)
    runs = _runs([size(item) for item in items]) if workers else None  # sizes cost a stat per file: only if needed
    if runs is None:
        return None
    results = forked.run_forked(lambda number: _parse_run([items[index] for index in runs[number]], parse, cache),
                                len(runs), workers)
    return _sources(results, runs, cache)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _runs(sizes: list[int]) -> list[range] | None:
    """The items in runs of about :data:`CHUNK_BYTES`, or None when they hold fewer than :data:`MIN_BYTES`."""
    if sum(sizes) < MIN_BYTES:
        return None
    runs: list[range] = []
    start = filled = 0
    for index, size in enumerate(sizes):
        if filled >= CHUNK_BYTES:
            runs.append(range(start, index))
            start, filled = index, 0
        filled += size
    runs.append(range(start, len(sizes)))
    return runs


def _sources(results: Iterator[bytes | None], runs: list[range], cache: ParseCache | None
             ) -> Iterator[Source | None]:
    """The workers' sources in order, their cache entries kept (None for each item of a run that was lost)."""
    for run, payload in zip(runs, results, strict=True):
        if payload is None:
            yield from repeat(None, len(run))
            continue
        sources, entries = marshal.loads(payload)
        if cache is not None:
            cache.keep(entries)
        yield from map(_source, sources)


def _parse_run(items: list[T], parse: Callable[[T], Source], cache: ParseCache | None) -> bytes:
    """In a worker: one run of items parsed, as marshal bytes of (packed sources, signed cache entries); an item that
    cannot be parsed or sent is sent as None."""
    if cache is not None:
        cache.hold()
    packed: list[Any] = []
    for item in items:
        try:
            packed.append(_packed(parse(item)))
        except Exception:  # parsed again in the parent, where the error is reported as a serial run reports it
            packed.append(None)
    entries = cache.take() if cache is not None else {}
    try:
        return marshal.dumps((packed, entries))
    except ValueError:  # a value marshal cannot carry: send the others
        return marshal.dumps(([item if _sendable(item) else None for item in packed], entries))


def _sendable(item: Any) -> bool:
    try:
        marshal.dumps(item)
    except ValueError:
        return False
    return True


def _packed(source: Source) -> tuple[Any, ...]:
    """A parsed file as plain values (see :func:`_source`)."""
    return (source.display, source.text, [(p.code, p.message, p.line, p.column) for p in source.problems],
            [_packed_document(document) for document in source.documents])


def _packed_document(document: Document) -> tuple[Any, ...]:
    table = document.table
    if table is None:
        return document.data, document.index, dict(document.positions), dict(document.implicit)
    sizes = table.sizes
    return (document.data, document.index, table.marks.tobytes(), table.implicit,
            None if sizes is None else sizes.tobytes())


def _source(item: tuple[Any, ...] | None) -> Source | None:
    """A parsed file from :func:`_packed`'s values."""
    if item is None:
        return None
    display, text, problems, documents = item
    return Source(display, text, [_document(*document) for document in documents],
                  [Problem(*problem) for problem in problems])


def _document(data: Any, index: int, positions: Any, implicit: Any, sizes: bytes | None = None) -> Document:
    if type(positions) is dict:
        return Document(data, positions, index, implicit)
    return Document.compact(data, index, array("Q", positions), implicit,
                            None if sizes is None else array("I", sizes))
