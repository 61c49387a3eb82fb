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


def test_install_instructions_are_true_today() -> None:
    """Nothing is published and there are no tags: a published form must say "once released"."""
    readme = (ROOT / "README.md").read_text()
    published = re.compile(r"pip install kubelint\b|rev: v\d|kubelint/kubelint@v\d|kubelint==")
    unmarked = [line for line in readme.splitlines() if published.search(line) and "once released" not in line.lower()]
    assert not unmarked, unmarked
    assert 'pip install "git+https://github.com/kubelint/kubelint@main"' in readme


def test_license_and_changelog() -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert 'license = { text = "Apache-2.0" }' in (ROOT / "pyproject.toml").read_text()
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text()
