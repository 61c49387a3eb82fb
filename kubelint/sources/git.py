"""Trees at git revisions, read from git's objects: never a checkout, never a change to the working tree.

A :class:`Snapshot` is the listing of one tree state (a commit's tree, or the index: what a commit would record):
repository-relative paths with their mode and object id. Blobs are read in one ``git cat-file --batch`` call;
:meth:`Snapshot.export` writes chosen files to a temporary folder for tools that need real files (kustomize).
:func:`repository` finds the repository of a path; every failure is a :class:`GitError` whose message names
the fix (a shallow clone without the revision: ``fetch-depth: 0``).

    repo = repository(".")
    head, staged = repo.tree("HEAD"), repo.index()
    for change in repo.diff(head, staged): ...
    data = staged.read(["k8s/app.yaml"])
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import field
from functools import cached_property

from kubelint.records import record

REGULAR, EXECUTABLE, SYMLINK, GITLINK = "100644", "100755", "120000", "160000"
INDEX = ":index"
"""The name of the index state (what ``git commit`` would record) in labels and diffs."""
SHALLOW_HINT = ("fetch the history: actions/checkout with `fetch-depth: 0`, GitLab CI with `GIT_DEPTH: 0`, "
                "or `git fetch --unshallow`")
_TIMEOUT = 120.0


class GitError(Exception):
    """git cannot give what was asked (a usage error: the message says why and how to fix it)."""


@record(frozen=True)
class Entry:
    """One file of a tree state: its mode (``100644``, ``120000`` for a symlink, ...) and object id."""

    mode: str
    oid: str

    @property
    def is_file(self) -> bool:
        return self.mode in (REGULAR, EXECUTABLE)

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK


@record(frozen=True)
class Change:
    """A path that differs between two states: ``status`` is git's letter (A, M, D, R, T, ...)."""

    status: str
    path: str
    old_path: str | None = None
    """For a rename (R) or copy (C): the path in the old state."""


def _run(root: str, args: list[str], data: bytes | None = None, check: bool = True) -> bytes:
    """Run ``git args`` in ``root``, returning stdout; a failure is a :class:`GitError` with git's message."""
    command = ["git", "-c", "core.quotepath=off", "--no-pager", *args]
    try:
        done = subprocess.run(command, cwd=root, input=data, capture_output=True, timeout=_TIMEOUT, check=False,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH (install git, or lint without --new-since)") from error
    except subprocess.TimeoutExpired as error:
        raise GitError(f"git {args[0]} did not finish within {_TIMEOUT:g} s") from error
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else f'exit {done.returncode}'}")
    return done.stdout


class Snapshot:
    """The files of one tree state of a repository (a commit's tree or the index), by repository-relative path."""

    def __init__(self, repo: Repository, label: str, entries: Mapping[str, Entry], tree_id: str | None = None):
        self.repo = repo
        self.label = label
        """How the state was named (``HEAD``, ``origin/main``, ``:index``)."""
        self.entries = dict(entries)
        self.tree_id = tree_id
        """git's tree id when the state is a tree (None for the index)."""

    @cached_property
    def folders(self) -> dict[str, list[str]]:
        """Every folder (``""`` is the root) with the names of its files and subfolders, sorted."""
        children: dict[str, set[str]] = {"": set()}
        for path in self.entries:
            parts = path.split("/")
            for depth in range(len(parts)):
                children.setdefault("/".join(parts[:depth]), set()).add(parts[depth])
        return {folder: sorted(names) for folder, names in children.items()}

    def is_folder(self, path: str) -> bool:
        return path in self.folders

    def key(self, paths: Iterable[str] | None = None) -> str:
        """A content hash of the state (or of the given paths only): equal listings give equal keys."""
        digest = hashlib.sha256()
        for path in sorted(self.entries if paths is None else paths):
            entry = self.entries.get(path)
            if entry is not None:
                digest.update(f"{entry.mode} {entry.oid}\t{path}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def resolve(self, path: str, limit: int = 40, dangling: bool = False) -> str | None:
        """The path a symlink chain ends at inside this state (None when it leaves the tree or loops, and when it
        dangles unless ``dangling``: then the missing path)."""
        seen = 0
        while path in self.entries and self.entries[path].is_symlink:
            seen += 1
            if seen > limit:
                return None
            target = self.read([path]).get(path)
            if target is None or target.startswith(b"/") or b"\0" in target:
                return None
            joined = os.path.normpath(os.path.join(os.path.dirname(path), target.decode("utf-8", "surrogateescape")))
            if joined == ".." or joined.startswith("../"):
                return None
            path = "" if joined == "." else joined
        return path if dangling or path in self.entries or self.is_folder(path) else None

    def sizes(self, paths: Iterable[str]) -> dict[str, int]:
        """The size in bytes of each file (blobs only)."""
        wanted = [(path, self.entries[path].oid) for path in paths if path in self.entries]
        if not wanted:
            return {}
        output = _run(self.repo.root, ["cat-file", "--batch-check=%(objectname) %(objectsize)"],
                      "".join(f"{oid}\n" for _, oid in wanted).encode())
        size_of = {}
        for line in output.decode().splitlines():
            oid, _, size = line.partition(" ")
            if size.isdigit():
                size_of[oid] = int(size)
        return {path: size_of[oid] for path, oid in wanted if oid in size_of}

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of each file (one ``git cat-file --batch`` for all of them); gitlinks have none."""
        wanted = [(path, self.entries[path].oid) for path in paths
                  if path in self.entries and self.entries[path].mode != GITLINK]
        if not wanted:
            return {}
        unique = list(dict.fromkeys(oid for _, oid in wanted))
        output = _run(self.repo.root, ["cat-file", "--batch"], "".join(f"{oid}\n" for oid in unique).encode())
        blobs: dict[str, bytes] = {}
        at = 0
        while at < len(output):
            end = output.index(b"\n", at)
            header = output[at:end].decode().split(" ")
            at = end + 1
            if len(header) != 3:  # "<oid> missing"
                continue
            size = int(header[2])
            blobs[header[0]] = output[at:at + size]
            at += size + 1
        return {path: blobs[oid] for path, oid in wanted if oid in blobs}

    def export(self, paths: Iterable[str], folder: str) -> None:
        """Write files of this state under ``folder`` at their repository-relative paths (a symlink to a file of
        the state is written as that file; one that leaves the state is left out)."""
        targets: dict[str, str] = {}
        for path in paths:
            entry = self.entries.get(path)
            if entry is None or entry.mode == GITLINK:
                continue
            target = self.resolve(path) if entry.is_symlink else path
            if target is not None and target in self.entries and not self.entries[target].is_symlink:
                targets[path] = target
        blobs = self.read(set(targets.values()))
        root = os.path.realpath(folder)
        for path, target in targets.items():
            destination = os.path.realpath(os.path.join(root, path))
            if not destination.startswith(root + os.sep) or target not in blobs:
                continue
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with open(destination, "wb") as handle:
                handle.write(blobs[target])


@record
class Repository:
    """A git repository (its top-level folder) and the states it can list."""

    root: str
    _shallow: bool | None = field(default=None, repr=False)

    def relative(self, path: str) -> str | None:
        """``path`` (absolute or relative to the current folder) relative to the root, or None outside it."""
        relative = os.path.relpath(os.path.realpath(path), self.root)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return None
        return "" if relative == "." else relative.replace(os.sep, "/")

    @property
    def shallow(self) -> bool:
        if self._shallow is None:
            self._shallow = _run(self.root, ["rev-parse", "--is-shallow-repository"]).strip() == b"true"
        return self._shallow

    def resolve(self, revision: str) -> str:
        """The tree id of ``revision`` (a branch, tag, commit, ``HEAD~2``); :class:`GitError` naming the fix."""
        if not revision or revision.startswith("-") or any(c in revision for c in "\0\n"):
            raise GitError(f"{revision!r} is not a git revision")
        output = _run(self.root, ["rev-parse", "--verify", "--quiet", f"{revision}^{{tree}}"], check=False).strip()
        if output:
            return output.decode()
        if self.shallow:
            raise GitError(f"the revision {revision!r} is not in this shallow clone; {SHALLOW_HINT}")
        raise GitError(f"unknown revision {revision!r}: git cannot resolve it (fetch it first, e.g. "
                       f"`git fetch origin {revision.removeprefix('origin/')}`, or check the spelling)")

    def merge_head(self) -> str | None:
        """The commit being merged (``MERGE_HEAD``) while a merge is in progress, else None."""
        output = _run(self.root, ["rev-parse", "--verify", "--quiet", "MERGE_HEAD^{commit}"], check=False).strip()
        return output.decode() if output else None

    def has_commits(self) -> bool:
        return bool(_run(self.root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False).strip())

    def tree(self, revision: str) -> Snapshot:
        """The files of ``revision``'s tree."""
        tree_id = self.resolve(revision)
        return Snapshot(self, revision, self._ls_tree(tree_id), tree_id)

    def empty(self, label: str = "the empty tree") -> Snapshot:
        """A state without files (the parent of a repository's first commit)."""
        return Snapshot(self, label, {}, empty_tree_id(self.root))

    def _ls_tree(self, tree_id: str) -> dict[str, Entry]:
        entries = {}
        for entry_line in _run(self.root, ["ls-tree", "-r", "-z", "--full-tree", tree_id]).split(b"\0"):
            if not entry_line:
                continue
            meta, _, path = entry_line.partition(b"\t")
            mode, _, oid = meta.decode().split(" ")
            entries[path.decode("utf-8", "surrogateescape")] = Entry(mode, oid)
        return entries

    def index(self) -> Snapshot:
        """The files of the index (what ``git commit`` would record now); unmerged paths are a :class:`GitError`."""
        entries = {}
        for entry_line in _run(self.root, ["ls-files", "--stage", "-z"]).split(b"\0"):
            if not entry_line:
                continue
            meta, _, path = entry_line.partition(b"\t")
            mode, oid, stage = meta.decode().split(" ")
            name = path.decode("utf-8", "surrogateescape")
            if stage != "0":
                raise GitError(f"{name} has unresolved merge conflicts; resolve them and stage the result first")
            entries[name] = Entry(mode, oid)
        return Snapshot(self, INDEX, entries)

    def diff(self, old: Snapshot, new: Snapshot | None = None) -> list[Change]:
        """The paths that differ from ``old`` to ``new`` (a tree or the index; None: the working tree's tracked
        files), with renames detected as git detects them (``-M``)."""
        if old.tree_id is None:
            raise ValueError("the old state of a diff must be a tree")
        common = ["-r", "-z", "-M", "--name-status", "--no-ext-diff", "--no-textconv", "--ignore-submodules"]
        if new is None:
            output = _run(self.root, ["diff", *common, "--no-color", old.tree_id, "--"])
        elif new.tree_id is not None:
            output = _run(self.root, ["diff-tree", *common, old.tree_id, new.tree_id, "--"])
        else:
            output = _run(self.root, ["diff-index", "--cached", *common, old.tree_id, "--"])
        fields = [part.decode("utf-8", "surrogateescape") for part in output.split(b"\0")]
        changes, at = [], 0
        while at < len(fields) and fields[at]:
            status = fields[at][0]
            if status in "RC":
                changes.append(Change(status, fields[at + 2], fields[at + 1]))
                at += 3
            else:
                changes.append(Change(status, fields[at + 1]))
                at += 2
        return changes


def empty_tree_id(root: str) -> str:
    """The id of the empty tree in this repository's hash (SHA-1 or SHA-256)."""
    return _run(root, ["hash-object", "-t", "tree", "--stdin"], b"").strip().decode()


def repository(path: str = ".") -> Repository:
    """The repository that holds ``path``; :class:`GitError` when there is none (or no git)."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH (install git, or lint without --new-since)")
    try:
        output = _run(folder, ["rev-parse", "--show-toplevel"])
    except GitError as error:
        raise GitError(f"{os.path.abspath(path)} is not in a git repository (run kubelint in a clone; without "
                       "history, gate with --baseline FILE instead)") from error
    except OSError as error:
        raise GitError(f"cannot run git in {folder}: {error.strerror or error}") from error
    return Repository(os.path.realpath(output.decode("utf-8", "surrogateescape").strip()))
