"""The linted roots: the folders inside which kubelint reads files, so that nothing in a repository (a symlink,
a kustomization's reference, an origin annotation) can make it read or print a file elsewhere on the machine.

Each path to lint (and each context path) contributes the git repository that holds it (the nearest folder
upward with a ``.git``); outside any repository, the current folder when the path lies under it (a project copied
without its ``.git``), unless that folder is the file system's root, the home folder or above it; else the path
itself (a file: its folder). ``--context`` names more. A folder named on the command line also contributes its
real path, so that linting a symlinked folder reads its target. Every check resolves real paths, so ``..`` and
symlinks cannot step out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from kubelint.records import record
from kubelint.sources.discover import STDIN

OUTSIDE_HINT = ("kubelint reads only files inside the linted roots (the repository of each path it lints); name "
                "another folder with --context to include it")
OUTSIDE_FILE_HINT = ("a repository may not redirect a file kubelint reads or writes to elsewhere on the machine; "
                     "name the real file instead")


def redirected(path: str, link: str) -> str:
    """Why ``path`` is refused, for messages: the symlink :meth:`Boundary.redirect` found on its way."""
    from kubelint.report.escape import escape_control

    shown = escape_control(path)
    if link == os.path.abspath(path):
        return f"{shown} is a symlink that leads outside the linted tree; {OUTSIDE_FILE_HINT}"
    return f"{shown} passes through {escape_control(link)}, a symlink that leads outside the linted tree; " \
           f"{OUTSIDE_FILE_HINT}"


@record(frozen=True)
class Boundary:
    """Real folder paths; a file is readable when its real path lies in one of them."""

    roots: tuple[str, ...]

    @classmethod
    def around(cls, paths: Iterable[str], cwd: str | None = None) -> Boundary:
        """The linted roots of ``paths`` (see the module docstring)."""
        here = project_folder(cwd or os.getcwd())
        roots: list[str] = []
        for given in paths:
            if given == STDIN:
                continue
            absolute = os.path.abspath(given)
            folder = absolute if os.path.isdir(absolute) and not os.path.islink(absolute) else os.path.dirname(absolute)
            real_folder = os.path.realpath(folder)
            top = repository_top(real_folder)
            if top is not None:
                roots.append(top)
            elif here is not None and _within(real_folder, here):
                roots.append(here)
            else:
                roots.append(real_folder)
            target = os.path.realpath(absolute)
            if os.path.isdir(absolute) and not any(_within(target, root) for root in roots):
                roots.append(target)  # a symlinked folder named on purpose: its target is linted
        return cls(tuple(dict.fromkeys(roots)))

    def contains(self, path: str) -> bool:
        """Whether the real path of ``path`` lies inside the linted roots."""
        real = os.path.realpath(path)
        return any(_within(real, root) for root in self.roots)

    def redirect(self, path: str) -> str | None:
        """The first symlink on the way to ``path`` that lies inside the linted roots but leads outside them, or
        None. Such a link is the tree's doing: it would make a path named inside the tree (a baseline, a report
        to write) read or overwrite a file elsewhere. Links outside the roots (the machine's own layout, a folder
        named elsewhere on purpose) are followed as they are."""
        parts = os.path.abspath(path).split(os.sep)
        current = parts[0] + os.sep
        for part in parts[1:]:
            if not part:
                continue
            step = os.path.join(current, part)
            if not os.path.islink(step):
                current = step
                continue
            target = os.path.realpath(step)
            if any(_within(current, root) for root in self.roots) and not any(
                    _within(target, root) for root in self.roots):
                return step
            current = target
        return None


def project_folder(cwd: str) -> str | None:
    """The current folder as a project outside any repository, or None when it is too broad to be one: the file
    system's root, the home folder, or a folder above the home folder (``/home``)."""
    real = os.path.realpath(cwd)
    home = os.path.realpath(os.path.expanduser("~"))
    if os.path.dirname(real) == real or _within(home, real):
        return None
    return real


def repository_top(folder: str) -> str | None:
    """The nearest folder at or above ``folder`` (a real path) that holds ``.git``, or None."""
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)
