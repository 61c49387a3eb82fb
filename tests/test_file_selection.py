"""Which files a run lints: excludes anchored to the configuration, .gitignore, hidden folders, zero files."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubelint.cli import cli
from kubelint.sources.discover import Selection, anchor, discover, is_excluded

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: shop}
spec:
  containers:
    - {name: app, image: nginx:1.27}
"""


def pod(name: str) -> str:
    return POD.replace("NAME", name)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    for path in ("k8s/app.yaml", "k8s/legacy/old.yaml", "k8s/node_modules/dep/x.yaml", "k8s/build/out.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(pod(Path(path).stem))
    (tmp_path / "sub").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def files(result: Result) -> list[str]:
    assert result.exit_code in (0, 1), result.output
    return sorted({finding["file"] for finding in json.loads(result.stdout)["findings"]})


def linted(*args: str) -> list[str]:
    """The files a JSON run reports on (every pod here has findings: no probes, no limits)."""
    return files(run("lint", "--format", "json", "--fail-on", "never", "--no-gitignore", *args))


def test_config_excludes_are_anchored_to_the_config_folder(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text("exclude: ['k8s/legacy/*', node_modules, build]\n")
    assert linted(".") == ["k8s/app.yaml"]
    assert linted("k8s") == ["k8s/app.yaml"]
    assert linted(str(repo / "k8s")) == [str(repo / "k8s" / "app.yaml")]
    os.chdir(repo / "sub")
    assert linted("../k8s") == ["../k8s/app.yaml"]


def test_config_ignore_paths_are_anchored_to_the_config_folder(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text("ignore:\n  - {path: 'k8s/legacy/*'}\n")
    os.chdir(repo / "sub")
    result = run("lint", "../k8s", "--format", "json", "--fail-on", "never", "--no-gitignore")
    suppressed = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert "../k8s/legacy/old.yaml" not in suppressed and "../k8s/app.yaml" in suppressed


def test_command_line_excludes_are_relative_to_the_current_folder(repo: Path) -> None:
    os.chdir(repo / "sub")
    assert "../k8s/legacy/old.yaml" not in linted("../k8s", "--exclude", "../k8s/legacy")
    assert "../k8s/legacy/old.yaml" in linted("../k8s", "--exclude", "k8s/legacy")


def test_gitignore_and_info_exclude_are_respected_by_default(repo: Path) -> None:
    (repo / ".gitignore").write_text("node_modules/\n")
    (repo / "k8s" / ".gitignore").write_text("legacy/*\n!legacy/old.yaml\nbuild\n")
    result = run("lint", ".", "--format", "json", "--fail-on", "never")
    assert files(result) == ["k8s/app.yaml", "k8s/legacy/old.yaml"]  # the deeper file re-includes old.yaml
    (repo / ".git" / "info" / "exclude").write_text("k8s/legacy/\n")
    # git cannot re-include a file whose folder is ignored: info/exclude ignores the folder itself
    result = run("lint", ".", "--format", "json", "--fail-on", "never")
    assert files(result) == ["k8s/app.yaml"]
    assert linted(".") == ["k8s/app.yaml", "k8s/build/out.yaml", "k8s/legacy/old.yaml",
                           "k8s/node_modules/dep/x.yaml"]


def test_gitignore_from_above_the_linted_folder_applies(repo: Path) -> None:
    (repo / ".gitignore").write_text("/k8s/build/\n")
    result = run("lint", "k8s", "--format", "json", "--fail-on", "never")
    assert "k8s/build/out.yaml" not in files(result) and "k8s/app.yaml" in files(result)


def test_respect_gitignore_can_be_switched_off_in_the_config(repo: Path) -> None:
    (repo / ".gitignore").write_text("build/\n")
    (repo / ".kubelint.yaml").write_text("respect-gitignore: false\n")
    result = run("lint", "k8s", "--format", "json", "--fail-on", "never")
    assert "k8s/build/out.yaml" in files(result)


def test_a_folder_named_on_the_command_line_is_walked_even_if_gitignored(repo: Path) -> None:
    (repo / ".gitignore").write_text("k8s/\n")
    result = run("lint", "k8s", "--format", "json", "--fail-on", "never")
    assert "k8s/build/out.yaml" in files(result) and "k8s/app.yaml" in files(result)
    assert run("lint", ".").exit_code == 2  # from above, the folder is ignored


def test_a_file_named_on_the_command_line_is_linted_even_if_gitignored(repo: Path) -> None:
    (repo / ".gitignore").write_text("build/\n")
    result = run("lint", "k8s/build/out.yaml", "--format", "json", "--fail-on", "never")
    assert files(result) == ["k8s/build/out.yaml"]


def test_zero_files_is_a_usage_error_with_the_reason(repo: Path) -> None:
    (repo / ".gitignore").write_text("build/\n")
    result = run("lint", "k8s", "--exclude", "k8s/*", "--exclude", "node_modules")
    assert result.exit_code == 2
    assert "no manifest files under k8s after excludes (4 excluded)" in result.output
    (repo / "k8s" / "build" / ".gitignore").write_text("*.yaml\n")
    result = run("lint", "k8s/build")  # a folder git ignores, named explicitly, is walked; its own .gitignore
    assert result.exit_code == 2 and "after excludes (1 ignored by .gitignore)" in result.output  # applies
    (repo / "empty").mkdir()
    result = run("lint", "empty")
    assert result.exit_code == 2 and "no manifest files (*.yaml, *.yml, *.json) under empty" in result.output


def test_hook_runs_with_every_staged_file_excluded_pass(repo: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "k8s/app.yaml"], cwd=repo, check=True)
    result = run("lint", "--hook", "k8s/app.yaml", "--exclude", "k8s/app.yaml", "--context", "k8s/legacy")
    assert result.exit_code == 0, result.output
    result = run("lint", "--hook", "k8s/app.yaml", "--exclude", "*.yaml")
    assert result.exit_code == 0 and "0 files" in result.output, result.output


def test_hidden_folders_are_entered_only_when_included(repo: Path) -> None:
    (repo / "k8s" / ".deploy").mkdir()
    (repo / "k8s" / ".deploy" / "svc.yaml").write_text(pod("hidden"))
    assert "k8s/.deploy/svc.yaml" not in linted("k8s")
    assert "k8s/.deploy/svc.yaml" in linted("k8s", "--include-hidden", ".deploy")
    (repo / ".kubelint.yaml").write_text("include-hidden: ['.dep*']\n")
    assert "k8s/.deploy/svc.yaml" in linted("k8s")


def test_lint_dot_prints_paths_without_dot_slash(repo: Path) -> None:
    result = run("lint", ".", "--no-gitignore", "--fail-on", "never", "--no-color")
    assert "k8s/app.yaml:" in result.output and "./k8s" not in result.output


def test_anchor_and_is_excluded() -> None:
    assert anchor("charts/*", "/repo") == "/repo/charts/*"
    assert anchor("node_modules", "/repo") == "node_modules" and anchor("build/", "/repo") == "build/"
    assert is_excluded("/repo/charts/a/x.yaml", ["/repo/charts/*"])
    assert not is_excluded("/elsewhere/charts/x.yaml", ["/repo/charts/*"])
    assert is_excluded("a/node_modules/x.yaml", ["node_modules"])


def test_discover_counts_what_it_left_out(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("{}")
    (tmp_path / "b.yaml").write_text("{}")
    (tmp_path / ".gitignore").write_text("b.yaml\n")
    selection = Selection(exclude=["a.yaml"], gitignore=True)
    assert list(discover([str(tmp_path)], selection)) == []
    assert selection.left_out == {"excluded": 1, "gitignored": 1}


def test_graph_of_zero_files_is_a_usage_error(repo: Path) -> None:
    (repo / "empty").mkdir()
    result = run("graph", "empty")
    assert result.exit_code == 2 and "no manifest files" in result.output


def test_a_hostile_gitignore_cannot_hang_the_walk(repo: Path) -> None:
    """pathspec's regexes backtrack: '*a*a*a*a*a*b' against a long name took minutes; such patterns are dropped."""
    import time

    (repo / "k8s" / ("a" * 200 + ".yaml")).write_text(pod("long"))
    (repo / ".gitignore").write_text("*a*a*a*a*a*a*b\nbuild/\n")
    started = time.perf_counter()
    result = run("lint", "k8s", "--format", "json", "--fail-on", "never")
    assert time.perf_counter() - started < 30
    assert "k8s/build/out.yaml" not in files(result) and f"k8s/{'a' * 200}.yaml" in files(result)


def test_past_the_time_budget_ignore_files_stop_applying_and_it_is_said(
        repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from kubelint.sources import gitignore

    monkeypatch.setattr(gitignore, "BUDGET_SECONDS", 0.0)
    (repo / ".gitignore").write_text("build/\nnode_modules/\n")
    selection = Selection(gitignore=True)
    found = [candidate.display for candidate in discover(["k8s"], selection)]
    assert "k8s/build/out.yaml" in found or "k8s/node_modules/dep/x.yaml" in found
    assert "they are not applied to the rest of the tree" in capsys.readouterr().err
