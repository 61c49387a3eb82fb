"""The built wheel ships the rule catalogue and lints from an installed copy."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_rules_and_lints_examples(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("kubelint-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    located = subprocess.run(
        [str(python), "-c", "from kubelint.catalog import builtin_rules_dir; print(builtin_rules_dir())"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.strip()
    assert "site-packages" in located and located.endswith("kubelint/rules")
    result = subprocess.run([str(tmp_path / "venv" / "bin" / "kubelint"), "lint", str(ROOT / "examples"),
                             "--no-color"], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 1, result.stderr
    assert "[yaml-duplicate-key]" in result.stdout
