"""Every reproducer in ``tests/hostile/`` runs without an internal error, in bounded time and output."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import hostile
from hostile.harness import CASES, execute

for _module in pkgutil.iter_modules(hostile.__path__):
    if _module.name.startswith("cases_"):
        importlib.import_module(f"hostile.{_module.name}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name: str, tmp_path: Path) -> None:
    root = tmp_path / "case"
    root.mkdir()
    run = CASES[name](root)
    result = execute(run, root)
    assert result.returncode != 3, f"internal error: {result.stderr[-2000:]}"
    assert result.returncode in run.exit, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(result.stdout.encode()) <= run.max_output, f"{len(result.stdout)} characters of output"
    for rule in run.rules:
        assert rule in result.rules(), f"{rule} not reported: {sorted(set(result.rules()))}"
    if run.check is not None:
        run.check(result)
