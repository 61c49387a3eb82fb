"""Find manifest files under the paths the user gave, in a stable order."""

from __future__ import annotations

import fnmatch
import functools
import os
import posixpath
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from typing import Any

from kubelint.records import record

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for in a folder, in its order."""


@record(frozen=True)
class Candidate:
    """A file to read: ``display`` is the path as the user will see it, ``path`` where to read it."""

    display: str
    path: str


class PathNotFound(Exception):
    """A path given on the command line does not exist (a usage error)."""


class NothingToLint(Exception):
    """The paths hold no manifest file once excludes and ``.gitignore`` are applied (a usage error)."""

    def __init__(self, paths: Iterable[str], left_out: Counter[str]) -> None:
        shown = ", ".join(path if path != STDIN else "standard input" for path in paths)
        reasons = [f"{left_out[key]} {label}" for key, label in
                   (("excluded", "excluded"), ("gitignored", "ignored by .gitignore")) if left_out[key]]
        if reasons:
            message = f"no manifest files under {shown} after excludes ({', '.join(reasons)})"
        else:
            message = f"no manifest files (*.yaml, *.yml, *.json) under {shown}"
        super().__init__(message)


@record
class Selection:
    """How folders are walked: exclude globs, ``.gitignore``, hidden folders to include; and what was left out."""

    exclude: list[str] = field(default_factory=list)
    gitignore: bool = False
    """Leave out what ``.gitignore`` files and ``.git/info/exclude`` ignore (in folder walks only)."""
    include_hidden: list[str] = field(default_factory=list)
    """Globs of hidden names (``.deploy``) that folder walks enter; other hidden files and folders are skipped."""
    left_out: Counter[str] = field(default_factory=Counter)
    """How many paths each reason left out (``excluded``, ``gitignored``, ``hidden``)."""
    gitignore_seconds: float = 0.0
    """Time spent matching ignore patterns (bounded by ``gitignore.BUDGET_SECONDS``)."""
    inside: Callable[[str], bool] | None = None
    """Whether a path's real path lies in the linted roots (``Boundary.contains``); a symlinked folder that leads
    elsewhere is not walked but yielded as a candidate, which reading then reports as outside the tree."""


def anchor(pattern: str, base: str) -> str:
    """A glob of the configuration anchored to the folder ``base``: a pattern with a ``/`` becomes absolute
    (``charts/*`` in ``/repo/.kubelint.yaml`` -> ``/repo/charts/*``), one without matches any path component
    wherever it is and stays as it is."""
    pattern = pattern.replace(os.sep, "/")
    if "/" not in pattern.rstrip("/") or pattern.startswith("**/"):
        return pattern
    if posixpath.isabs(pattern) or (len(pattern) > 1 and pattern[1] == ":"):
        return pattern
    return posixpath.normpath(posixpath.join(os.path.abspath(base).replace(os.sep, "/"), pattern))


@functools.lru_cache(maxsize=256)
def _anchored_here(pattern: str, cwd: str) -> str:
    return anchor(pattern, cwd)


def is_excluded(display: str, patterns: Iterable[str]) -> bool:
    """True when a path or any of its parent folders matches one of the glob patterns.

    A pattern with a ``/`` is matched against the absolute path (relative patterns are relative to the
    current folder; the configuration's are anchored to its folder by :func:`anchor`); one without a ``/``
    against each component of the path, so ``node_modules`` or ``*.generated.yaml`` match anywhere.
    """
    absolute = ""
    parts: list[str] = []
    for pattern in patterns:
        pattern = pattern.replace(os.sep, "/").rstrip("/") or pattern
        if "/" not in pattern:
            if not parts:
                parts = display.replace(os.sep, "/").split("/")
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts if part not in ("", ".", "..")):
                return True
            continue
        if not absolute:
            absolute = os.path.abspath(display).replace(os.sep, "/")
        pattern = _anchored_here(pattern, os.getcwd())
        if fnmatch.fnmatchcase(absolute, pattern):
            return True
        prefix = absolute
        while True:
            parent = posixpath.dirname(prefix)
            if parent == prefix:
                break
            prefix = parent
            if fnmatch.fnmatchcase(prefix, pattern):
                return True
    return False


def discover(
    paths: Iterable[str], exclude: Iterable[str] | Selection = (), kustomize_roots: list[str] | None = None,
    stdin_name: str | None = None,
) -> Iterator[Candidate]:
    """Yield the manifest files under ``paths``: files as given, folders recursively and sorted.

    Hidden files and folders (``.git``, ``.github``) are skipped inside folders unless the selection includes
    them, symlinked folders are followed once (a loop cannot hang), ``exclude`` globs match paths or any of
    their components, and with ``Selection.gitignore`` what git ignores is left out of folder walks (a file
    named on the command line is always read unless excluded). With ``kustomize_roots`` (a list to fill),
    folders that hold a kustomization file are appended to it and the files in and under them are not yielded:
    they are rendered instead. ``stdin_name`` names standard input for messages and exclude globs.
    """
    selection = exclude if isinstance(exclude, Selection) else Selection(list(exclude))
    patterns = selection.exclude
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            if stdin_name and is_excluded(stdin_name, patterns):
                selection.left_out["excluded"] += 1
                continue
            yield Candidate(stdin_name or STDIN, STDIN)
            continue
        if os.path.isdir(given):
            yield from _walk(given, selection, seen, kustomize_roots)
        elif os.path.exists(given) or os.path.islink(given):
            if is_excluded(given, patterns):
                selection.left_out["excluded"] += 1
            elif given not in seen:
                seen.add(given)
                yield Candidate(given, given)
        else:
            raise PathNotFound(given)


def _join(folder: str, name: str) -> str:
    """``folder/name`` as the user will see it: ``lint .`` shows ``k8s/app.yaml``, not ``./k8s/app.yaml``."""
    return name if folder in (".", "") else os.path.join(folder, name)


def _gitignored(display: str, is_dir: bool, ignores: list[Any], selection: Selection) -> bool:
    """``gitignore.ignored``, within the walk's time budget: past it, ignore files stop applying."""
    from kubelint.sources import gitignore

    started = time.perf_counter()
    verdict = gitignore.ignored(display, is_dir, ignores)
    selection.gitignore_seconds += time.perf_counter() - started
    if selection.gitignore_seconds > gitignore.BUDGET_SECONDS:
        selection.gitignore = False
        sys.stderr.write(f"kubelint: matching .gitignore patterns took over {gitignore.BUDGET_SECONDS:.0f} s; "
                         "they are not applied to the rest of the tree (use --no-gitignore, or simplify them)\n")
    return verdict


def _walk(root: str, selection: Selection, seen: set[str], kustomize_roots: list[str] | None = None
          ) -> Iterator[Candidate]:
    from kubelint.sources import gitignore

    patterns, hidden = selection.exclude, selection.include_hidden
    visited: set[str] = set()
    root = os.path.normpath(root)
    ignores = gitignore.inherited(root) if selection.gitignore else []
    stack = [(root, False, ignores)]
    found: list[str] = []
    while stack:
        folder, claimed, ignores = stack.pop()
        real = os.path.realpath(folder)
        if real in visited:
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        if selection.gitignore and any(entry.name == ".gitignore" for entry in entries):
            own = gitignore.read_ignore_file(os.path.join(folder, ".gitignore"), folder)
            if own is not None:
                ignores = [*ignores, own]
        if kustomize_roots is not None and any(entry.name in KUSTOMIZATION_FILES and entry.is_file()
                                               for entry in entries):
            kustomize_roots.append(folder)
            claimed = True
        for entry in entries:
            if entry.name.startswith(".") and not any(fnmatch.fnmatchcase(entry.name, glob) for glob in hidden):
                continue
            display = _join(folder, entry.name)
            try:
                is_dir = entry.is_dir()
                if not is_dir and (claimed or not entry.name.endswith(MANIFEST_SUFFIXES)):
                    continue
                if is_excluded(display, patterns):
                    selection.left_out["excluded"] += 1
                    continue
                if ignores and selection.gitignore and _gitignored(display, is_dir, ignores, selection):
                    selection.left_out["gitignored"] += 1
                    continue
                if is_dir and selection.inside is not None and entry.is_symlink() and not selection.inside(display):
                    found.append(display)  # not walked: reading reports it (a symlink out of the tree)
                elif is_dir:
                    stack.append((display, claimed, ignores))
                else:
                    found.append(display)
            except OSError:
                continue
    for display in sorted(found, key=lambda path: path.split(os.sep)):
        if display not in seen:
            seen.add(display)
            yield Candidate(display, display)
