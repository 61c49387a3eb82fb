"""CI output: JUnit follows --fail-on, GitHub annotations respect GitHub's limits and write a job summary,
JSON findings carry their end position and help URL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from kubelint.cli import cli
from kubelint.report.github_format import ANNOTATION_LIMIT, md_escape

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: shop}
spec:
  hostPID: true
  containers:
    - name: app
      image: nginx:1.27
"""
BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: shop}
spec:
  replicas: many
"""
ONLY = ["--disable", "all", "--enable", "host-pid,schema-invalid"]


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "k8s").mkdir()
    for number in range(ANNOTATION_LIMIT + 3):
        (tmp_path / "k8s" / f"pod{number:02}.yaml").write_text(POD.replace("NAME", f"pod{number}"))
    (tmp_path / "k8s" / "zz-broken.yaml").write_text(BROKEN)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["lint", "k8s", *ONLY, *args], env=env)


def junit(*args: str) -> ElementTree.Element:
    return ElementTree.fromstring(run("--format", "junit", *args).stdout)


def test_junit_failures_follow_fail_on(tree: Path) -> None:
    root = junit("--fail-on", "warning")
    assert root.get("failures") == str(ANNOTATION_LIMIT + 4)
    root = junit("--fail-on", "error")
    assert root.get("failures") == "1"
    host_pid = root.find("testsuite[@name='host-pid']")
    assert host_pid is not None and host_pid.get("failures") == "0"
    passing = host_pid.findall("testcase")
    assert len(passing) == ANNOTATION_LIMIT + 3 and all(case.find("failure") is None for case in passing)
    assert "warning [host-pid]" in (passing[0].findtext("system-out") or "")
    assert junit("--fail-on", "never").get("failures") == "0"


def test_github_errors_first_and_the_annotations_beyond_the_limit_are_counted(tree: Path) -> None:
    lines = run("--format", "github").stdout.splitlines()
    assert lines[0].startswith("::error file=k8s/zz-broken.yaml,line=4")
    warnings = [line for line in lines if line.startswith("::warning ")]
    plain = [line for line in lines if line.startswith("  - k8s/")]
    assert len(warnings) == ANNOTATION_LIMIT and len(plain) == 3
    assert plain[0].startswith("  - k8s/pod10.yaml:5:12: warning [host-pid]")
    assert lines[-1] == ("kubelint: GitHub shows at most 10 annotations of each kind per step; "
                         "3 warnings more are listed above as plain lines, not annotated")


def test_github_step_summary_is_written_when_set(tree: Path) -> None:
    summary = tree / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "team/app", "GITHUB_SHA": "abc123"}
    run("--format", "github", env=env)
    text = summary.read_text()
    assert text.startswith("earlier step\n## kubelint\n")
    assert "| [`host-pid`](https://github.com/kubelint/kubelint/blob/main/docs/rules/host-pid.md) | warning | 13 |" \
        in text
    assert text.index("`schema-invalid`") < text.index("`host-pid`")
    assert "- [k8s/zz-broken.yaml:4](https://github.com/team/app/blob/abc123/k8s/zz-broken.yaml#L4) **error**" in text
    summary.unlink()
    run("--format", "text", env=env)
    assert not summary.exists()  # only GitHub output writes it
    run("--report", "github=gh.txt", env=env)
    assert summary.exists()


def test_markdown_from_manifests_is_escaped() -> None:
    assert md_escape("x | ![img](http://evil) <script>") == "x \\| \\!\\[img\\]\\(http://evil\\) &lt;script&gt;"


def test_json_findings_carry_end_position_and_help_url(tree: Path) -> None:
    findings = json.loads(run("--format", "json").stdout)["findings"]
    broken = next(f for f in findings if f["rule"] == "schema-invalid" and f["line"] == 5)
    assert (broken["line"], broken["column"], broken["end_line"], broken["end_column"]) == (5, 13, 5, 17)
    assert broken["help_url"].endswith("/docs/rules/schema-invalid.md")


def test_json_help_url_is_null_for_user_rules(tree: Path) -> None:
    (tree / "policies").mkdir()
    (tree / "policies" / "r.yaml").write_text(
        "id: no-pods\nsummary: no pods\nseverity: info\ncheck: object-schema\n"
        "params: {kinds: [Pod], schema: {not: {}}}\n")
    result = CliRunner().invoke(cli, ["lint", "k8s/pod00.yaml", "--rules", "policies", "--disable", "all",
                                      "--enable", "no-pods", "--format", "json"])
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["rule"] == "no-pods" and finding["help_url"] is None
