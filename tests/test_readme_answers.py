"""The README's `kubelint graph --why` and `--reach --diff` answers on the example app are what the commands print
(each ```console block that starts with `$ kubelint graph examples/` is run; a ```diff block right before one is
applied to a committed copy of the example app first)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```(\w+)\n(.*?)```\n", re.S)


def shown() -> list[tuple[str | None, str, str]]:
    """(the diff applied first, the command, its output) for each answer the README shows."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    previous: tuple[str, str] | None = None
    for match in BLOCK.finditer(text):
        kind, body = match.group(1), match.group(2)
        if kind == "console" and body.startswith("$ kubelint graph examples/"):
            command, _, output = body.partition("\n")
            patch = previous[1] if previous is not None and previous[0] == "diff" else None
            found.append((patch, command[2:], output))
        previous = (kind, body)
    return found


def test_the_readme_shows_a_why_and_a_diff_answer() -> None:
    commands = [command for _, command, _ in shown()]
    assert any("--why" in command for command in commands)
    assert any("--diff" in command for command in commands)


def apply(patch: str, folder: Path) -> None:
    """Apply a README diff block (lines of ` `, `-` and `+`) to the one file of ``folder`` that holds its old
    text."""
    old = "".join(line[1:] + "\n" for line in patch.splitlines() if line[:1] in (" ", "-"))
    new = "".join(line[1:] + "\n" for line in patch.splitlines() if line[:1] in (" ", "+"))
    holders = [path for path in folder.rglob("*.yaml") if old in path.read_text(encoding="utf-8")]
    assert len(holders) == 1, f"the README's diff must match one file of examples/, matched {holders}"
    text = holders[0].read_text(encoding="utf-8")
    assert text.count(old) == 1
    holders[0].write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(("patch", "command", "output"), shown(), ids=lambda value: str(value)[:40])
def test_readme_answer_is_what_the_command_prints(patch: str | None, command: str, output: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    args = shlex.split(command)
    assert args[:2] == ["kubelint", "graph"]
    if patch is None:
        monkeypatch.chdir(ROOT)
    else:  # the example app committed on main, then the pull request's change in the working tree
        shutil.copytree(ROOT / "examples", tmp_path / "examples")

        def git(*words: str) -> None:
            subprocess.run(["git", *words], cwd=tmp_path, check=True, capture_output=True, timeout=60)

        git("init", "-q", "-b", "main")
        git("add", "-A")
        git("-c", "user.email=dev@example.com", "-c", "user.name=dev", "commit", "-qm", "the example app")
        apply(patch, tmp_path / "examples")
        monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout == output, "update the README with what the command prints now"
