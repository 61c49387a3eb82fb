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
from collections.abc import Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any

from kubelint import forked
from kubelint.records import record
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


@record
class _Work:
    """What the workers parse, set before they fork."""

    runs: list[list[Candidate]]
    max_size: int
    cache: ParseCache | None
    boundary: Boundary | None


def parse_in_workers(files: list[Candidate], max_size: int, cache: ParseCache | None, boundary: Boundary | None,
                     jobs: int = 0) -> Iterator[Source | None] | None:
    """Each file's source in order, parsed by worker processes (None for a file to parse here), or None when the
    files are better parsed here: ``jobs`` is 1, the tree is small, fork is unsafe, one core, standard input.
    ``jobs``: at most this many workers (0: one per usable core)."""
    workers = forked.workers_for(jobs)
    if not workers or any(candidate.path == STDIN for candidate in files):
        return None
    runs = _runs(files)
    if runs is None:
        return None
    work = _Work(runs, max_size, cache, boundary)
    return _sources(forked.run_forked(lambda number: _parse_run(work, number), len(runs), workers), runs, cache)


def _runs(files: list[Candidate]) -> list[list[Candidate]] | None:
    """The files in runs of about :data:`CHUNK_BYTES`, or None when they hold fewer than :data:`MIN_BYTES`."""
    runs: list[list[Candidate]] = [[]]
    filled = total = 0
    for candidate in files:
        if filled >= CHUNK_BYTES:
            runs.append([])
            filled = 0
        try:
            size = os.path.getsize(candidate.path)
        except OSError:
            size = 0
        runs[-1].append(candidate)
        filled += size
        total += size
    return runs if total >= MIN_BYTES else None


def _sources(results: Iterator[bytes | None], runs: list[list[Candidate]], cache: ParseCache | None
             ) -> Iterator[Source | None]:
    """The workers' sources in order, their cache entries kept (None for each file of a run that was lost)."""
    for run, payload in zip(runs, results, strict=True):
        if payload is None:
            yield from repeat(None, len(run))
            continue
        sources, entries = marshal.loads(payload)
        if cache is not None:
            cache.keep(entries)
        yield from map(_source, sources)


def _parse_run(work: _Work, number: int) -> bytes:
    """In a worker: one run of files parsed, as marshal bytes of (packed sources, signed cache entries); a file that
    cannot be parsed or sent is sent as None."""
    if work.cache is not None:
        work.cache.hold()
    packed: list[Any] = []
    for candidate in work.runs[number]:
        try:
            packed.append(_packed(load_source(candidate, work.max_size, work.cache, work.boundary)))
        except Exception:  # parsed again in the parent, where the error is reported as a serial run reports it
            packed.append(None)
    entries = work.cache.take() if work.cache is not None else {}
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
