"""Load the manifests of a git tree state (:class:`~kubelint.sources.git.Snapshot`) as the working tree would be.

Discovery follows :func:`kubelint.sources.discover.discover` on the state's listing (hidden entries skipped,
``exclude`` globs, Kustomize folders claimed by their root, files in the same order), so that every file gets
the display name it would have in a checkout and findings of two states line up. Plain files are read from
git's objects in one batch and parsed through the parse cache; Kustomize roots are rendered from a temporary
export of the files they may read (the root's folder, and every folder or file its kustomization files name,
transitively), never from a checkout.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import field
from typing import TYPE_CHECKING

from kubelint.model.units import KUSTOMIZE, assign_configured
from kubelint.model.units import key as unit_key
from kubelint.options import Options
from kubelint.progress import processing
from kubelint.records import record
from kubelint.sources import gitignore
from kubelint.sources.discover import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES, STDIN, Candidate, is_excluded
from kubelint.sources.git import GitError, Snapshot
from kubelint.sources.read import Source, source_of
from kubelint.sources.yaml import Problem, parse

if TYPE_CHECKING:
    from kubelint.sources.cache import BlobParse, ParseCache

_CHDIR = threading.Lock()


@record
class Loaded:
    """The sources of a state, the focus (display names of the files under the paths, when there is context)
    and, per rendered unit (its ``via``), the repository paths it may read."""

    sources: list[Source]
    focus: frozenset[str] | None
    inputs: dict[str, Inputs] = field(default_factory=dict)
    repo_paths: dict[str, str] = field(default_factory=dict)
    """The repository-relative path of each plain source's display name."""


@record
class Inputs:
    """What a Kustomize root may read: whole folders and single files (repository-relative)."""

    folders: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)

    def touches(self, path: str) -> bool:
        return path in self.files or any(folder == "" or path.startswith(folder + "/") for folder in self.folders)


class Layout:
    """How repository paths and display names relate for one run: displays are relative to the current folder
    (or absolute where the user gave absolute paths), as :func:`kubelint.sources.discover.discover` makes them."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        here = snapshot.repo.relative(".")
        if here is None:
            raise GitError(f"run kubelint inside the repository {snapshot.repo.root} to compare with a revision")
        self.here = here

    def repo_path(self, display: str) -> str | None:
        """The repository-relative path of a display name (None outside the repository)."""
        if os.path.isabs(display):
            joined = os.path.relpath(display, self.snapshot.repo.root)
        else:
            joined = os.path.normpath(os.path.join(self.here, display))
        joined = joined.replace(os.sep, "/")
        if joined == os.pardir or joined.startswith("../"):
            return None
        return "" if joined == "." else joined


def discover(snapshot: Snapshot, layout: Layout, paths: Iterable[str], options: Options,
             roots: list[tuple[str, str]] | None = None) -> Iterator[Candidate]:
    """The manifest files under ``paths`` in ``snapshot`` as :class:`Candidate` (``path`` is repository-relative).

    As :func:`kubelint.sources.discover.discover` walks the working tree: hidden entries skipped unless included,
    ``exclude`` globs, what the state's ``.gitignore`` files (and ``.git/info/exclude``) ignore, files named as
    ``lint .`` names them. Paths absent from the state are skipped (a folder added since); Kustomize roots found
    are appended to ``roots`` as (display, repository path) and their files are not yielded.
    """
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            raise GitError("standard input has no earlier revision to compare with; lint files instead")
        relative = layout.repo_path(given)
        if relative is None:
            raise GitError(f"{given} is outside the repository {snapshot.repo.root}")
        target = snapshot.resolve(relative) if relative else ""
        if target is not None and snapshot.is_folder(target):
            yield from _walk(snapshot, os.path.normpath(given), target, options, seen, roots)
        elif relative in snapshot.entries and not is_excluded(given, options.exclude) and given not in seen:
            seen.add(given)
            yield Candidate(given, relative)


def _walk(snapshot: Snapshot, root: str, folder_path: str, options: Options, seen: set[str],
          roots: list[tuple[str, str]] | None) -> Iterator[Candidate]:
    patterns, hidden = options.exclude, options.include_hidden
    visited: set[str] = set()
    ignores = _inherited_ignores(snapshot, root, folder_path) if options.gitignore else []
    stack = [(root, folder_path, False, ignores)]
    found: list[tuple[str, str]] = []
    while stack:
        display, folder, claimed, ignores = stack.pop()
        if folder in visited:
            continue
        visited.add(folder)
        names = snapshot.folders.get(folder, [])
        if options.gitignore and ".gitignore" in names:
            own = _ignore_file(snapshot, _join(folder, ".gitignore"), display)
            if own is not None:
                ignores = [*ignores, own]
        kinds = {name: _kind(snapshot, _join(folder, name)) for name in names}
        if roots is not None and any(name in KUSTOMIZATION_FILES and kinds[name][0] == "file" for name in names):
            roots.append((display, folder))
            claimed = True
        for name in names:
            if name.startswith(".") and not any(fnmatch.fnmatchcase(name, glob) for glob in hidden):
                continue
            shown = name if display in (os.curdir, "") else os.path.join(display, name)
            kind, target = kinds[name]
            is_dir = kind == "folder"
            if not is_dir and (claimed or not name.endswith(MANIFEST_SUFFIXES)):
                continue
            if is_excluded(shown, patterns) or (ignores and gitignore.ignored(shown, is_dir, ignores)):
                continue
            if is_dir:
                stack.append((shown, target, claimed, ignores))
            else:
                found.append((shown, _join(folder, name)))
    for shown, path in sorted(found, key=lambda item: item[0].split(os.sep)):
        if shown not in seen:
            seen.add(shown)
            yield Candidate(shown, path)


def _ignore_file(snapshot: Snapshot, path: str, folder_display: str) -> gitignore.IgnoreFile | None:
    """A ``.gitignore`` of the state, for the folder shown as ``folder_display``."""
    data = snapshot.read([path]).get(path)
    return None if data is None else gitignore.parse_ignore_file(data, folder_display)


def _inherited_ignores(snapshot: Snapshot, root: str, folder_path: str) -> list[gitignore.IgnoreFile]:
    """As :func:`kubelint.sources.gitignore.inherited`, with the state's ``.gitignore`` files: those of the
    folders above ``root`` (and ``.git/info/exclude``, which git never records), unless they ignore ``root``."""
    repo_root = snapshot.repo.root
    found: list[gitignore.IgnoreFile] = []
    exclude = gitignore.read_ignore_file(os.path.join(repo_root, ".git", "info", "exclude"), repo_root)
    if exclude is not None:
        found.append(exclude)
    parts = folder_path.split("/") if folder_path else []
    for depth in range(len(parts)):
        above = "/".join(parts[:depth])
        ignore = _ignore_file(snapshot, _join(above, ".gitignore"), os.path.join(repo_root, above))
        if ignore is not None:
            found.append(ignore)
    if found and gitignore.ignored(root, True, found):
        return []
    return found


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _kind(snapshot: Snapshot, path: str) -> tuple[str, str]:
    """("folder" | "file" | "other", the path it resolves to) for an entry, following symlinks in the state."""
    if snapshot.is_folder(path):
        return "folder", path
    entry = snapshot.entries.get(path)
    if entry is None:
        return "other", path
    if entry.is_symlink:
        target = snapshot.resolve(path)
        if target is not None and snapshot.is_folder(target):
            return "folder", target
        return ("file" if target is not None else "other"), target or path
    return ("file" if entry.is_file else "other"), path


def is_chart_template(snapshot: Snapshot, path: str) -> bool:
    """Whether ``path`` lies in the ``templates/`` folder (or below) of a Helm chart in the state."""
    parts = path.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        if parts[depth - 1] == "templates" and _join("/".join(parts[:depth - 1]), "Chart.yaml") in snapshot.entries:
            return True
    return False


def load(snapshot: Snapshot, paths: Iterable[str], options: Options, parsed: Parsed | None = None) -> Loaded:
    """The sources under ``paths`` (and the context paths of ``options``) in ``snapshot``, as :func:`loader.load_tree`
    reads them from the working tree. ``parsed`` (shared between loads) saves parsing a file twice."""
    layout = Layout(snapshot)
    roots: list[tuple[str, str]] | None = [] if options.render else None
    focus_files = list(discover(snapshot, layout, paths, options, roots))
    focus_roots = [display for display, _ in roots or []]
    files, focus = focus_files, None
    context_paths = options.context_paths()
    if context_paths:
        seen = {candidate.path for candidate in focus_files}
        context = [c for c in discover(snapshot, layout, context_paths, options, roots) if c.path not in seen]
        files, focus = focus_files + context, frozenset(candidate.display for candidate in focus_files)
    loaded = Loaded(_read(snapshot, files, options, parsed), focus)
    loaded.repo_paths = {candidate.display: candidate.path for candidate in files}
    if roots:
        unique = list(dict.fromkeys(roots))
        sources, inputs = render(snapshot, layout, unique, options)
        loaded.sources.extend(sources)
        loaded.inputs = inputs
    assign_configured(loaded.sources, options.units)
    if focus is not None:
        from kubelint.loader import produced_in_focus

        loaded.focus = focus | produced_in_focus(loaded.sources, focus, {c.display for c in files}, focus_roots)
    return loaded


Parsed = dict[tuple[str, bool], Source]
"""Sources already parsed in this process, by blob id and whether the file is a chart template: two states of
one repository share almost every file, and the hook loads two states."""


def _read(snapshot: Snapshot, files: list[Candidate], options: Options, parsed: Parsed | None = None) -> list[Source]:
    from kubelint.loader import as_linted, parse_cache

    parsed = {} if parsed is None else parsed
    targets = {c.path: snapshot.resolve(c.path, dangling=True) if snapshot.entries[c.path].is_symlink else c.path
               for c in files}
    keys = {target: (snapshot.entries[target].oid, is_chart_template(snapshot, target))
            for target in set(targets.values()) if target is not None and target in snapshot.entries}
    wanted = {target for target, key in keys.items() if key not in parsed}
    sizes = snapshot.sizes(wanted)
    cache = parse_cache(options) if wanted else None
    stored = _stored(cache, {target: keys[target] for target in wanted}, sizes, options.max_file_size)
    blobs = snapshot.read(target for target in wanted
                          if target not in stored and sizes.get(target, 0) <= options.max_file_size)
    ready = _parsed_in_workers(files, targets, keys, blobs, cache, options.jobs)
    sources: list[Source] = []
    for candidate in files:
        target = targets[candidate.path]
        with processing(candidate.display):
            if target in stored and keys[target] not in parsed:
                parsed[keys[target]] = Source(candidate.display, *stored[target])
            known = parsed.get(keys[target]) if target in keys else None
            problem = None if known is not None else _unreadable(target, sizes, blobs, options.max_file_size)
            if known is not None:
                source = Source(candidate.display, known.text, known.documents, known.problems)
            elif problem is not None or target is None:
                source = Source(candidate.display, problems=[problem] if problem is not None else [])
            else:
                source = ready[target] if target in ready else _parse_blob(
                    (candidate.display, blobs[target], keys[target]), cache)
                parsed[keys[target]] = source
            sources.extend(as_linted(source))
    if cache is not None:
        cache.close()
    return sources


Blob = tuple[str, bytes, tuple[str, bool]]
"""A file of a state to parse: its display name, bytes, blob id and whether it is a chart template."""


def _parse_blob(blob: Blob, cache: ParseCache | None) -> Source:
    """A file of a state parsed, its text and parse cached by blob id (not by content as well)."""
    display, data, key = blob
    source = source_of(display, data, cache, lambda: key[1], store=False)
    if cache is not None:
        cache.put_blob(cache.blob_key(*key), (source.text, source.documents, source.problems))
    return source


def _parsed_in_workers(files: list[Candidate], targets: dict[str, str | None], keys: dict[str, tuple[str, bool]],
                       blobs: dict[str, bytes], cache: ParseCache | None, jobs: int) -> dict[str, Source]:
    """The blobs read, each parsed once (named after its first file) by worker processes when they are many (see
    :mod:`kubelint.sources.parallel`); a blob missing from the answer is parsed here."""
    from kubelint.sources.parallel import parse_each

    first: dict[str, str] = {}
    for candidate in files:
        target = targets[candidate.path]
        if target is not None and target in blobs:
            first.setdefault(target, candidate.display)
    todo: list[Blob] = [(display, blobs[target], keys[target]) for target, display in first.items()]
    parsed = parse_each(todo, lambda blob: len(blob[1]), lambda blob: _parse_blob(blob, cache), cache, jobs)
    if parsed is None:
        return {}
    return {target: source for target, source in zip(first, parsed, strict=True) if source is not None}


def _stored(cache: ParseCache | None, keys: dict[str, tuple[str, bool]], sizes: dict[str, int], limit: int
            ) -> dict[str, BlobParse]:
    """The files whose text and parse the cache holds by blob id (``keys``: each file's blob id and whether it is
    a chart template), among those git lists as blobs within the size limit; their bytes need not be read."""
    if cache is None:
        return {}
    found = {}
    for target, (oid, chart) in keys.items():
        if sizes.get(target, limit + 1) <= limit:
            value = cache.get_blob(cache.blob_key(oid, chart))
            if value is not None:
                found[target] = value
    return found


def _unreadable(target: str | None, sizes: dict[str, int], blobs: dict[str, bytes], limit: int) -> Problem | None:
    """Why a file of the state cannot be linted, or None."""
    if target is None:
        return Problem("unreadable-file", "cannot read file: it is a symlink that leaves the repository")
    if target not in blobs and target not in sizes:
        return Problem("unreadable-file", f"cannot read file: {os.strerror(errno.ENOENT)}")  # a dangling symlink
    if sizes.get(target, 0) > limit:
        return Problem("file-too-large", f"file is {sizes[target] / 1048576:.1f} MiB, over the "
                                         f"{limit / 1048576:.0f} MiB limit (raise it with --max-file-size)")
    if target not in blobs:
        return Problem("unreadable-file", "cannot read file: not a file")
    return None


def kustomize_inputs(snapshot: Snapshot, root: str, kustomizations: dict[str, list[str]] | None = None) -> Inputs:
    """The folders and files a Kustomize root may read in ``snapshot``: its folder, and every path its
    kustomization files name (resources, bases, components, patches, generator files), transitively.
    ``kustomizations`` (from :func:`kustomization_strings`) saves reading them again for each root."""
    named_in = kustomizations if kustomizations is not None else kustomization_strings(snapshot)
    inputs = Inputs()
    queue = [root]
    while queue:
        folder = queue.pop()
        if folder in inputs.folders:
            continue
        inputs.folders.add(folder)
        prefix = folder + "/" if folder else ""
        for path, values in named_in.items():
            if not path.startswith(prefix):
                continue
            here = path.rpartition("/")[0]
            for value in values:
                for part in {value, value.rpartition("=")[2]}:
                    if not part or "://" in part or any(c in part for c in "\n\0") or os.path.isabs(part):
                        continue
                    named = os.path.normpath(os.path.join(here, part)).replace(os.sep, "/")
                    if named == ".." or named.startswith("../"):
                        continue
                    named = "" if named == "." else named
                    resolved = snapshot.resolve(named) if named in snapshot.entries else named
                    if resolved is not None and snapshot.is_folder(resolved):
                        queue.append(resolved)
                    else:
                        inputs.files.add(named)
                        if resolved is not None:
                            inputs.files.add(resolved)
    return inputs


def kustomization_strings(snapshot: Snapshot) -> dict[str, list[str]]:
    """Every kustomization file of the state with the strings it holds (candidate paths), read in one batch."""
    paths = [path for path in snapshot.entries if path.rpartition("/")[2] in KUSTOMIZATION_FILES]
    return {path: _strings(data) for path, data in snapshot.read(paths).items()}


def _strings(data: bytes) -> list[str]:
    documents, _ = parse(data.decode("utf-8", "replace"))
    found: list[str] = []
    stack: list[object] = [document.data for document in documents]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def render(snapshot: Snapshot, layout: Layout, roots: list[tuple[str, str]], options: Options
           ) -> tuple[list[Source], dict[str, Inputs]]:
    """Render Kustomize roots of the state from a temporary export, with the display names a checkout gives."""
    from kubelint.sources.boundary import Boundary
    from kubelint.sources.render import render_kustomizations

    strings = kustomization_strings(snapshot)
    inputs = {display: kustomize_inputs(snapshot, path, strings) for display, path in roots}
    wanted: set[str] = set()
    for found in inputs.values():
        wanted |= found.files
        for folder in found.folders:
            prefix = folder + "/" if folder else ""
            wanted.update(path for path in snapshot.entries if path.startswith(prefix))
    # Renders name files relative to the current folder: they run in the export's copy of it, and roots the user
    # named by absolute paths are given relative there, then named absolutely again.
    here_absolute = os.path.join(snapshot.repo.root, layout.here)
    relative = {display: os.path.relpath(display, here_absolute) if os.path.isabs(display) else display
                for display, _ in roots}
    absolute = {shown: display for display, shown in relative.items() if shown != display}
    with tempfile.TemporaryDirectory(prefix="kubelint-export-") as temporary:
        export = os.path.realpath(temporary)
        snapshot.export(wanted, export)
        here = os.path.join(export, layout.here) if layout.here else export
        os.makedirs(here, exist_ok=True)
        with _inside(here):
            sources = render_kustomizations(list(relative.values()), options.render_timeout, options.max_file_size,
                                            exclude=options.exclude, boundary=Boundary((export,)),
                                            allow_remote=options.allow_remote_bases)
        for source in sources:
            if source.via in absolute:
                source.display = os.path.normpath(os.path.join(here_absolute, source.display))
                source.via = absolute[source.via]
                source.unit = unit_key(KUSTOMIZE, source.via)
            elif not source.via and any(_under(source.display, shown) for shown in absolute):
                source.display = os.path.normpath(os.path.join(here_absolute, source.display))  # a file left out
            source.problems = [_without_export(problem, export, snapshot.repo.root) for problem in source.problems]
    return sources, inputs


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _without_export(problem: Problem, export: str, root: str) -> Problem:
    if export not in problem.message:
        return problem
    from dataclasses import replace

    return replace(problem, message=problem.message.replace(export, root))


@contextmanager
def _inside(folder: str) -> Iterator[None]:
    """Run in ``folder`` (renders name files relative to the current folder); one thread at a time."""
    with _CHDIR:
        previous = os.getcwd()
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(previous)
