"""The README opens with two copy-paste commands; CI runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [block.strip() for block in blocks[:2]]


def test_readme_opens_with_install_and_test_commands() -> None:
    run, test = readme_commands()
    assert run.startswith("python3 -m venv") and run.endswith("kubelint lint examples/")
    assert test.startswith("python3 -m venv") and test.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()
