"""Find manifest files under the paths the user gave, in a stable order."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for in a folder, in its order."""


@dataclass(frozen=True)
class Candidate:
    """A file to read: ``display`` is the path as the user will see it, ``path`` where to read it."""

    display: str
    path: str


class PathNotFound(Exception):
    """A path given on the command line does not exist (a usage error)."""


def is_excluded(display: str, patterns: Iterable[str]) -> bool:
    """True when a path or any of its parent folders matches one of the glob patterns."""
    normalized = display.replace(os.sep, "/").removeprefix("./")
    parts = normalized.split("/")
    for pattern in patterns:
        pattern = pattern.removeprefix("./").rstrip("/")
        if fnmatch.fnmatchcase(normalized, pattern) or fnmatch.fnmatchcase(parts[-1], pattern):
            return True
        if any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pattern) for i in range(len(parts) - 1)):
            return True
        if any(fnmatch.fnmatchcase(part, pattern) for part in parts[:-1]):
            return True
    return False


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), kustomize_roots: list[str] | None = None
) -> Iterator[Candidate]:
    """Yield the manifest files under ``paths``: files as given, folders recursively and sorted.

    Hidden files and folders (``.git``, ``.github``) are skipped inside folders, symlinked folders are
    followed once (a loop cannot hang), and ``exclude`` globs match paths or any of their components.
    With ``kustomize_roots`` (a list to fill), folders that hold a kustomization file are appended to it and
    the files in and under them are not yielded: they are rendered instead. Files given by name always are.
    """
    patterns = list(exclude)
    seen: set[str] = set()
    for given in paths:
        if given == STDIN:
            yield Candidate(STDIN, STDIN)
            continue
        if os.path.isdir(given):
            yield from _walk(given, patterns, seen, kustomize_roots)
        elif os.path.exists(given) or os.path.islink(given):
            if not is_excluded(given, patterns) and given not in seen:
                seen.add(given)
                yield Candidate(given, given)
        else:
            raise PathNotFound(given)


def _walk(root: str, patterns: list[str], seen: set[str], kustomize_roots: list[str] | None = None
          ) -> Iterator[Candidate]:
    visited: set[str] = set()
    stack = [(root, False)]
    found: list[str] = []
    while stack:
        folder, claimed = stack.pop()
        real = os.path.realpath(folder)
        if real in visited:
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        if kustomize_roots is not None and any(entry.name in KUSTOMIZATION_FILES and entry.is_file()
                                               for entry in entries):
            kustomize_roots.append(folder)
            claimed = True
        for entry in entries:
            if entry.name.startswith("."):
                continue
            display = entry.path
            if is_excluded(display, patterns):
                continue
            try:
                if entry.is_dir():
                    stack.append((display, claimed))
                elif entry.name.endswith(MANIFEST_SUFFIXES) and not claimed:
                    found.append(display)
            except OSError:
                continue
    for display in sorted(found, key=lambda path: path.split(os.sep)):
        if display not in seen:
            seen.add(display)
            yield Candidate(display, display)
