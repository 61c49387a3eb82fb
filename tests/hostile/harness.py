"""The machinery of ``tests/hostile/``: a case builds its input in a fresh folder and returns a :class:`Run`;
``tests/test_hostile.py`` runs kubelint on it in a child process and checks the invariants every case
shares (no internal error, no traceback, bounded time and output) plus the case's own expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """What one run did."""

    root: Path
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    """The JSON report (``--report json=...``, added to every ``lint`` run), or None."""

    def rules(self) -> list[str]:
        """The rule ids of the reported findings, in report order."""
        return [finding["rule"] for finding in (self.report or {}).get("findings", [])]

    def findings(self, rule: str) -> list[dict[str, Any]]:
        """The reported findings of one rule."""
        return [finding for finding in (self.report or {}).get("findings", []) if finding["rule"] == rule]


@dataclass
class Run:
    """How to run kubelint on a case's input, and what must come out (beyond the shared invariants)."""

    args: list[str]
    """Arguments after ``kubelint``; the working folder is the case's folder."""
    exit: frozenset[int] = frozenset({0, 1})
    rules: tuple[str, ...] = ()
    """Rule ids that must each be reported at least once."""
    stdin: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    """Generous: a regression is minutes or forever; the fix is usually an algorithmic bound tested elsewhere."""
    max_output: int = 1 << 20
    """Bytes of stdout (and of the JSON report) a run may write."""
    check: Callable[[Result], None] | None = None
    """More assertions on the result."""


Case = Callable[[Path], Run]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    """Register a reproducer under a unique name (kebab-case, what it attacks)."""

    def register(function: Case) -> Case:
        if name in CASES:
            raise ValueError(f"hostile case {name!r} is registered twice")
        CASES[name] = function
        return function

    return register


def write(root: Path, name: str, text: str | bytes) -> Path:
    """Write a file under the case's folder (parents created)."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def execute(run: Run, root: Path) -> Result:
    """Run kubelint as a user would (a child process), with a private cache and no colour."""
    args = list(run.args)
    report_file = root.parent / f"{root.name}-report.json"
    if args and args[0] == "lint":
        args += ["--report", f"json={report_file}"]
    env = {**os.environ, "NO_COLOR": "1", "KUBELINT_CACHE_DIR": str(root.parent / f"{root.name}-cache"),
           **run.env}
    done = subprocess.run([sys.executable, "-m", "kubelint", *args], cwd=root, input=run.stdin or b"",
                          capture_output=True, timeout=run.timeout, env=env, check=False)
    report = None
    if report_file.exists():
        assert report_file.stat().st_size <= run.max_output, "the JSON report is over the case's output limit"
        report = json.loads(report_file.read_text(encoding="utf-8"))
    return Result(root, done.returncode, done.stdout.decode("utf-8", "replace"),
                  done.stderr.decode("utf-8", "replace"), report)
