"""Temporary git repositories for the tests of the commands that read a revision (``--new-since``,
``graph --reach --diff``, CEL transition rules)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return what it printed (a failure raises)."""
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def init_repo(root: Path) -> Path:
    """A new repository at ``root`` on branch main, with a committer identity of its own."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    return root


def write(repo: Path, files: dict[str, str]) -> None:
    """Write each file (path relative to the repository: text)."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    """Write the files and commit everything."""
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
