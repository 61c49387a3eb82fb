"""Which paths git ignores: ``.gitignore`` files and ``.git/info/exclude``, read with ``pathspec``.

Git's rules: a ``.gitignore`` applies to its folder and everything below it, patterns are relative to that
folder, the deepest file with a matching pattern decides (``!pattern`` re-includes), ``.git/info/exclude``
comes after all of them, and nothing inside an ignored folder can be re-included (the walk never enters it).
``pathspec`` implements the pattern language; this module only stacks the files as git does.

The files are untrusted input: each is read up to :data:`MAX_BYTES`, with at most :data:`MAX_PATTERNS`
patterns, and a file that cannot be read or decoded is treated as empty. ``pathspec`` matches with
backtracking regular expressions, whose time grows as a power of the name's length with the number of
wildcards (``*a*a*a*b`` against a 250-character name: about a second): a pattern with more than
:data:`MAX_WILDCARDS` ``*`` runs is left out (git would honour it; real ``.gitignore`` files do not need it),
and a walk stops applying ignore files once matching has taken :data:`BUDGET_SECONDS` in all (the walk in
``sources.discover`` keeps the account and says so on stderr).
"""

from __future__ import annotations

import os
import re
from typing import Any

from kubelint.records import record
from kubelint.sources.boundary import repository_top

MAX_BYTES = 1024 * 1024
MAX_PATTERNS = 1_000
MAX_WILDCARDS = 2
"""The most ``*`` runs (``**`` counts as one) a pattern may have; more could take seconds per path to match."""
BUDGET_SECONDS = 10.0
"""The time one walk may spend matching ignore patterns before it stops applying them."""


_WILDCARD_RUNS = re.compile(r"\*+")


@record(frozen=True)
class IgnoreFile:
    """The patterns of one ignore file and the folder they are relative to (absolute, with ``/``)."""

    base: str
    spec: Any

    def verdict(self, absolute: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a ``!`` pattern, None: no pattern here says anything."""
        if absolute != self.base and not absolute.startswith(self.base.rstrip("/") + "/"):
            return None
        relative = absolute[len(self.base.rstrip("/")) + 1:]
        if not relative:
            return None
        result = self.spec.check_file(relative + "/" if is_dir else relative)
        return None if result.include is None else bool(result.include)


def _posix(path: str) -> str:
    return os.path.abspath(path).replace(os.sep, "/")


def read_ignore_file(path: str, base: str) -> IgnoreFile | None:
    """The patterns of one ignore file, or None when it does not exist, is unreadable or holds none."""
    from kubelint.sources.files import read_prefix

    try:
        data = read_prefix(path, MAX_BYTES)  # never a FIFO or a device: a hostile .gitignore must not block
    except OSError:
        return None
    return parse_ignore_file(data, base)


def parse_ignore_file(data: bytes, base: str) -> IgnoreFile | None:
    """The patterns of an ignore file's bytes (read from disk or from git), relative to the folder ``base``."""
    lines = [line for line in data[:MAX_BYTES].decode("utf-8", errors="replace").splitlines()[:MAX_PATTERNS]
             if len(_WILDCARD_RUNS.findall(line)) <= MAX_WILDCARDS]
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # a pattern pathspec cannot compile: git would ignore the line, we drop the file
        return None
    return IgnoreFile(_posix(base), spec)


def inherited(root: str) -> list[IgnoreFile]:
    """The ignore files that apply to ``root`` from above it: ``.git/info/exclude`` first, then every
    ``.gitignore`` from the repository root down to ``root``'s parent (a walk reads ``root``'s own).

    None when they ignore ``root`` itself: the user named that folder, so it is walked (its own
    ``.gitignore`` files still apply below it)."""
    repository = repository_top(os.path.abspath(root))
    top = os.path.abspath(root)
    found: list[IgnoreFile] = []
    if repository is None:
        return found
    exclude = read_ignore_file(os.path.join(repository, ".git", "info", "exclude"), repository)
    if exclude is not None:
        found.append(exclude)
    folders = []
    current = top
    while current != repository:
        current = os.path.dirname(current)
        folders.append(current)
    for folder in reversed(folders):
        ignore = read_ignore_file(os.path.join(folder, ".gitignore"), folder)
        if ignore is not None:
            found.append(ignore)
    if ignored(root, True, found):
        return []  # a folder git ignores, named explicitly: lint it (as ripgrep and ruff walk such a root)
    return found


def ignored(path: str, is_dir: bool, files: list[IgnoreFile]) -> bool:
    """Whether git ignores ``path``: the deepest file whose patterns match decides (``files`` go from the
    shallowest to the deepest; ``.git/info/exclude`` first, so it decides last)."""
    absolute = _posix(path)
    for ignore in reversed(files):
        verdict = ignore.verdict(absolute, is_dir)
        if verdict is not None:
            return verdict
    return False
