"""The composite action: every line of a multi-line ``paths`` is linted, the job's Python is left alone, pip is
cached, and the install step finds the venv's scripts on Windows too."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kubelint.sources.yaml import parse

ROOT = Path(__file__).resolve().parent.parent


def action() -> dict[str, Any]:
    documents, problems = parse((ROOT / "action.yml").read_text())
    assert not problems
    data: dict[str, Any] = documents[0].data
    return data


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name or s.get("id") == name)


def lint_arguments(tmp_path: Path, paths: str) -> list[str]:
    """Run the Lint step's script with a stand-in kubelint that prints its arguments, one per line."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "kubelint").write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    (fake / "kubelint").chmod(0o755)
    env = {**os.environ, "KUBELINT_BIN": str(fake), "INPUT_PATHS": paths, "INPUT_FAIL_ON": "error",
           "INPUT_SARIF_FILE": "", "INPUT_JUNIT_FILE": "", "INPUT_BASELINE": "", "INPUT_ARGS": "--enable all",
           "GITHUB_WORKSPACE": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "output")}
    result = subprocess.run(["bash", "-c", step("lint")["run"]], env=env, capture_output=True, text=True,
                            check=True)
    arguments = result.stdout.splitlines()
    return arguments[arguments.index("--") + 1:]


@pytest.mark.parametrize(("paths", "expected"), [
    ("k8s/\ncharts/rendered/\n", ["k8s/", "charts/rendered/"]),
    ("  k8s/app one.yaml  \n\n# not this\r\nbase/", ["k8s/app one.yaml", "base/"]),
    ("k8s/ charts/", ["k8s/", "charts/"]),
    ("", ["."]),
])
def test_every_line_of_paths_is_linted(tmp_path: Path, paths: str, expected: list[str]) -> None:
    assert lint_arguments(tmp_path, paths) == expected


def test_the_jobs_python_is_left_alone_and_pip_is_cached() -> None:
    setup = next(s for s in action()["runs"]["steps"] if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["update-environment"] is False
    cache = step("Cache pip downloads")
    assert cache["uses"].startswith("actions/cache@") and "${{ runner.os }}" in cache["with"]["key"]
    install = step("Install kubelint")
    assert install["env"]["PIP_CACHE_DIR"] == cache["with"]["path"]
    assert "steps.python.outputs.python-path" in install["env"]["KUBELINT_PYTHON"]
    assert '"$venv/Scripts"' in install["run"]  # a Windows venv keeps its scripts there
    assert "Windows runners are not tested" in (ROOT / "action.yml").read_text()
