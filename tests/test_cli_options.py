"""Command-line habits a team brings from other linters: comma lists and tags, case-insensitive choices,
colour switches, stdin file names, -q with -v, and options pinned in the configuration."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubelint.cli import cli, use_color

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  hostPID: true
  containers:
    - name: app
      image: nginx:1.27
"""


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(POD)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def rules_of(result: Result) -> set[str]:
    assert result.exit_code in (0, 1), result.output
    return {finding["rule"] for finding in json.loads(result.stdout)["findings"]}


def test_enable_and_disable_take_comma_lists_and_tags(repo: Path) -> None:
    everything = rules_of(run("lint", "k8s", "--format", "json"))
    assert {"host-pid", "missing-liveness-probe", "missing-readiness-probe"} <= everything
    fewer = rules_of(run("lint", "k8s", "--format", "json", "--disable", "tag:probes,HOST-PID"))
    assert fewer == everything - {"host-pid", "missing-liveness-probe", "missing-readiness-probe"}
    # an id is more specific than a tag: it wins whichever list it is in
    back = rules_of(run("lint", "k8s", "--format", "json", "--disable", "tag:probes", "--enable",
                        "missing-liveness-probe"))
    assert "missing-liveness-probe" in back and "missing-readiness-probe" not in back
    only = rules_of(run("lint", "k8s", "--format", "json", "--disable", "all", "--enable", "tag:security"))
    assert "host-pid" in only and "missing-liveness-probe" not in only


def test_unknown_tag_is_a_usage_error_with_the_nearest(repo: Path) -> None:
    result = run("lint", "k8s", "--disable", "tag:probe")
    assert result.exit_code == 2 and "no rule has the tag 'probe' (did you mean 'tag:probes'?)" in result.output


def test_tags_in_the_configuration(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text("rules:\n  disable: ['tag:probes']\n")
    assert "missing-liveness-probe" not in rules_of(run("lint", "k8s", "--format", "json"))
    (repo / ".kubelint.yaml").write_text("rules:\n  disable: ['tag:probez']\n")
    result = run("lint", "k8s")
    assert result.exit_code == 2 and ".kubelint.yaml:2:13: rules.disable[0]: no rule has the tag 'probez'" \
        in result.output


def test_choices_are_case_insensitive(repo: Path) -> None:
    result = run("lint", "k8s", "--format", "JSON", "--fail-on", "Error", "--color", "NEVER")
    assert result.exit_code == 0 and json.loads(result.stdout)["findings"]
    assert run("rules", "--format", "Json").exit_code == 0


@pytest.mark.parametrize(("mode", "terminal", "environ", "expected"), [
    ("auto", True, {}, True),
    ("auto", False, {}, False),
    ("auto", True, {"NO_COLOR": ""}, True),  # an empty NO_COLOR does not count
    ("auto", True, {"NO_COLOR": "1"}, False),
    ("auto", False, {"FORCE_COLOR": "1"}, True),
    ("auto", False, {"FORCE_COLOR": ""}, False),
    ("auto", False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ("always", False, {"NO_COLOR": "1"}, True),
    ("never", True, {"FORCE_COLOR": "1"}, False),
])
def test_color_modes(mode: str, terminal: bool, environ: dict[str, str], expected: bool) -> None:
    assert use_color(mode, terminal, environ) is expected


def test_force_color_colours_a_pipe_and_color_never_wins(repo: Path) -> None:
    assert "\x1b[" in run("lint", "k8s", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in run("lint", "k8s", "--color", "never", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in run("lint", "k8s", "--color", "always").stdout
    assert "\x1b[" not in run("lint", "k8s", "--no-color", env={"FORCE_COLOR": "1"}).stdout


def test_stdin_filename_names_stdin_and_matches_config(repo: Path) -> None:
    result = run("lint", "-", "--stdin-filename", "k8s/pod.yaml", "--format", "json", input=POD)
    assert {f["file"] for f in json.loads(result.stdout)["findings"]} == {"k8s/pod.yaml"}
    text = run("lint", "-", "--stdin-filename", "k8s/pod.yaml", "--no-color", input=POD).stdout
    assert text.startswith("k8s/pod.yaml:1:1:") and "\nk8s/pod.yaml:5:" in text
    (repo / ".kubelint.yaml").write_text("ignore:\n  - {path: 'k8s/*', rules: [host-pid]}\n")
    result = run("lint", "-", "--stdin-filename", "k8s/pod.yaml", "--format", "json", input=POD)
    assert "host-pid" not in rules_of(result)
    (repo / ".kubelint.yaml").write_text("exclude: ['k8s/*']\n")
    result = run("lint", "-", "--stdin-filename", "k8s/pod.yaml", input=POD)
    assert result.exit_code == 2 and "no manifest files under standard input after excludes" in result.output


def test_quiet_and_verbose_keep_the_right_lines(repo: Path) -> None:
    (repo / "k8s" / "notes.yaml").write_text("just: data\n")
    result = run("lint", "k8s", "-q", "-v", "--no-color")
    lines = result.stdout.splitlines()
    assert any(line.startswith("k8s/pod.yaml:5:") for line in lines)
    assert any("skipped" in line and line.startswith("k8s/notes.yaml") for line in lines)
    assert not any(" files, " in line or "objects:" in line for line in lines)
    assert not any(line.startswith("  ") for line in lines)  # no source excerpt


def test_every_pinned_option_is_settable_in_the_configuration(repo: Path) -> None:
    (repo / "schemas").mkdir()
    (repo / "k8s" / ".hidden").mkdir()
    (repo / ".kubelint.yaml").write_text(
        "schema-location: [schemas]\nstrict: false\nrender: false\nrender-timeout: 5\nsource-root: .\n"
        "baseline: base.json\nreports: {sarif: out/k.sarif}\ninclude-hidden: ['.hidden']\n"
        "respect-gitignore: false\n")
    (repo / "out").mkdir()
    shown = run("lint", "--show-config").stdout
    for line in ("strict: false", "render: false", "render-timeout: 5", "respect-gitignore: false",
                 'baseline: "base.json"', 'schema-location: ["schemas"]', 'sarif: "out/k.sarif"',
                 'include-hidden: [".hidden"]'):
        assert line in shown, shown
    assert run("lint", "k8s", "--write-baseline", "base.json").exit_code == 0
    result = run("lint", "k8s", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["summary"]["baselined"] > 0
    assert json.loads((repo / "out" / "k.sarif").read_text())["version"] == "2.1.0"


def test_rules_and_explain_read_the_configuration(repo: Path) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "team.yaml").write_text(
        "id: team-label\nsummary: Pods carry a team label\nseverity: info\ncheck: object-schema\n"
        "params: {schema: {required: [metadata]}}\n")
    (repo / ".kubelint.yaml").write_text("rule-dirs: [policies]\nrules:\n  disable: [host-pid]\n")
    os.chdir(repo / "k8s")
    listing = {rule["id"]: rule for rule in json.loads(run("rules", "--format", "json").stdout)}
    assert listing["team-label"]["enabled"] and not listing["team-label"]["builtin"]
    assert listing["host-pid"]["enabled"] is False and listing["host-pid"]["default_enabled"] is True
    result = run("explain", "team-label")
    assert result.exit_code == 0 and result.stdout.startswith("team-label: Pods carry a team label")
