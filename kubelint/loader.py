"""Load a manifest tree: discover files, parse them with positions and build resources."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

from kubelint.model import units
from kubelint.model.objects import crd_scopes, resources_of
from kubelint.model.resource import Resource
from kubelint.model.tree import Tree
from kubelint.options import Options
from kubelint.progress import processing
from kubelint.sources.boundary import Boundary
from kubelint.sources.discover import STDIN, Candidate, NothingToLint, Selection, discover
from kubelint.sources.helm import helm_templates, is_helm_stream, split_helm_stream
from kubelint.sources.parallel import parse_in_workers
from kubelint.sources.read import Source, load_source

if TYPE_CHECKING:
    from kubelint.sources.cache import ParseCache
    from kubelint.sources.git import Snapshot
    from kubelint.sources.snapshot import Loaded, Parsed


def candidates(
    paths: Iterable[str], options: Options, roots: list[str] | None = None, boundary: Boundary | None = None,
    focus_roots: list[str] | None = None,
) -> tuple[list[Candidate], frozenset[str] | None]:
    """The files to read: those under ``paths``, then the context files not among them.

    Returns the candidates and, when there is context, the display names of the files under ``paths``.
    Kustomize roots met on the way are appended to ``roots`` (when rendering) instead of their files; those
    under ``paths`` also to ``focus_roots``.
    Paths that hold nothing to lint raise :class:`NothingToLint` (except in a hook run: nothing staged is fine).
    """
    paths = list(paths)
    selection = Selection(options.exclude, options.gitignore, options.include_hidden,
                          inside=boundary.contains if boundary is not None else None)
    focus = list(discover(paths, selection, roots, options.stdin_filename))
    if not focus and not roots and not options.hook:
        raise NothingToLint(paths, selection.left_out)
    if roots is not None and focus_roots is not None:
        focus_roots.extend(roots)
    context_paths = options.context_paths()
    if not context_paths:
        return focus, None
    seen = {os.path.realpath(candidate.path) for candidate in focus}
    context = [c for c in discover(context_paths, selection, roots) if os.path.realpath(c.path) not in seen]
    return focus + context, frozenset(candidate.display for candidate in focus)


def load_sources(files: Iterable[Candidate], options: Options, roots: list[str] | None = None,
                 boundary: Boundary | None = None) -> list[Source]:
    """Read and parse files (reusing cached parses of unchanged ones; a big tree on all usable cores, see
    :mod:`kubelint.sources.parallel`), split helm streams, render roots; with a ``boundary``, nothing outside the
    linted roots is read."""
    cache = parse_cache(options)
    files = list(files)
    parsed = parse_in_workers(files, options.max_file_size, cache, boundary, options.jobs)
    sources = []
    for candidate, source in zip(files, repeat(None, len(files)) if parsed is None else parsed, strict=True):
        with processing(candidate.display):
            if source is None:
                source = load_source(candidate, options.max_file_size, cache, boundary)
            sources.extend(as_linted(source, candidate.display == STDIN))
    if cache is not None:
        cache.close()
    if roots:
        from kubelint.sources.render import render_kustomizations

        unique = list(dict.fromkeys(roots))
        sources.extend(render_kustomizations(unique, options.render_timeout, options.max_file_size,
                                             exclude=options.exclude, boundary=boundary,
                                             allow_remote=options.allow_remote_bases, budget=options.render_budget))
    units.assign_configured(sources, options.units)
    return sources


def as_linted(source: Source, stdin: bool = False) -> list[Source]:
    """A file as read, as the rules see it, with its unit: ``helm template`` output keeps its name and lines and
    learns each document's template; only a stream on stdin (``stdin``: no file name to point at) is split into
    one source per template."""
    if stdin:
        source.unit = units.STDIN_KEY
        return split_helm_stream(source) if is_helm_stream(source.text) else [source]
    if is_helm_stream(source.text):
        source.templates = helm_templates(source.text)
        source.unit = units.helm_unit(source.display, [template.name or "" for template in source.templates
                                                       if template.comment_line])
    return [source]


def parse_cache(options: Options) -> ParseCache | None:
    """The parse cache of a run, or None (``--no-cache``, or a cache folder that is not safe: said on stderr)."""
    if not options.cache:
        return None
    from kubelint.sources.cache import open_cache

    cache, refusal = open_cache(Path(options.cache_dir) if options.cache_dir else None)
    if cache is None:
        from kubelint.report.escape import escape_control

        sys.stderr.write(f"kubelint: not using the parse cache: {escape_control(refusal)}\n")
    return cache


def build_tree(sources: list[Source], options: Options, focus: frozenset[str] | None = None) -> Tree:
    """Turn parsed sources into resources (CRDs in the tree decide the scope of their kinds)."""
    crds = crd_scopes(sources)
    resources: list[Resource] = []
    skipped: list[tuple[str, int, str]] = []
    for source in sources:
        with processing(source.display):
            found, passed = resources_of(source, options.namespace, crds)
        resources.extend(found)
        skipped.extend(passed)
    return Tree(sources, resources, options, skipped, focus)


def load_tree(paths: Iterable[str], options: Options) -> Tree:
    """Discover, parse and model the manifests under ``paths`` (and the context paths of ``options``)."""
    roots: list[str] | None = [] if options.render else None
    paths = list(paths)
    boundary = Boundary.around([*paths, *options.context_paths()])
    focus_roots: list[str] = []
    with without_cycle_collection(freeze=options.freeze_heap):
        files, focus = candidates(paths, options, roots, boundary, focus_roots)
        sources = load_sources(files, options, roots, boundary)
        if focus is not None:
            focus = focus | produced_in_focus(sources, focus, {c.display for c in files}, focus_roots)
        return build_tree(sources, options, focus)


def produced_in_focus(sources: Iterable[Source], focus: frozenset[str], read: set[str], roots: Iterable[str]
                      ) -> set[str]:
    """The names of sources that a focus path produced without being read under that name: the templates of
    a helm stream on stdin, the files a focus Kustomize root renders (named after their origin files) and
    the files it leaves out. What a file is called in findings must never take it out of the report."""
    folders = [os.path.realpath(root) for root in roots]

    def under_focus_root(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == folder or real.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)

    found = set()
    for source in sources:
        if source.display in read:
            continue
        kind, _, name = source.unit.partition(":")
        if (kind == units.STDIN and STDIN in focus) or (kind == units.KUSTOMIZE and under_focus_root(name)) or (
                kind in ("", units.FILE) and under_focus_root(source.display)):
            found.add(source.display)
    return found


@contextmanager
def without_cycle_collection(freeze: bool = False) -> Iterator[None]:
    """Build the tree without Python's cycle collector; with ``freeze``, exempt what was built from later
    collections.

    Parsing creates millions of small containers (a 100k-object tree: about 9 million) and no reference
    cycles. With the collector on, each full collection walks the whole growing heap again (about 2 s at
    100k objects, several times per load); afterwards every collection during the rules would walk it too.
    ``gc.freeze()`` moves the heap to the permanent generation: reference counting still frees it, only
    the cycle search skips it. That is right for a process that lints once and exits (the CLI sets
    ``Options.freeze_heap``), and wrong for a library caller: frozen cycles (a tree and its analyses) are never
    collected, so each call would keep its whole tree.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def load_snapshot_tree(snapshot: Snapshot, paths: Iterable[str], options: Options,
                       parsed: Parsed | None = None) -> tuple[Tree, Loaded]:
    """The tree under ``paths`` (and the context paths of ``options``) in a git tree state, named as in a
    checkout (see :mod:`kubelint.sources.snapshot`), with what was loaded (units' inputs, repository paths).
    ``parsed``: files parsed by an earlier load of another state, reused (see ``snapshot.Parsed``)."""
    from kubelint.sources.snapshot import load

    with without_cycle_collection(freeze=options.freeze_heap):
        loaded = load(snapshot, paths, options, parsed)
        return build_tree(loaded.sources, options, loaded.focus), loaded


def load_tree_at(revision: str, paths: Iterable[str], options: Options) -> Tree:
    """The tree under ``paths`` as it was at a git ``revision`` of the repository holding the current folder
    (read from git's objects; :class:`kubelint.sources.git.GitError` names the fix when it cannot be)."""
    from kubelint.sources.git import repository

    return load_snapshot_tree(repository(".").tree(revision), paths, options)[0]
