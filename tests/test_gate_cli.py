"""The CI gate end to end through the command line: baselines, GitHub annotations, JUnit, extra reports."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from kubelint.cli import cli
from rule_selection import without_best_practice

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    app: shop
spec:
  selector:
    matchLabels: {app: web, tier: front, app: web}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
"""


def run(*args: str) -> Result:
    # click < 8.2 mixes stderr into stdout unless told otherwise; 8.2 keeps them apart and dropped the flag
    options: dict[str, Any] = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**options).invoke(cli, ["lint", *without_best_practice(), *args], catch_exceptions=False)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(DEPLOYMENT)
    (tmp_path / "k8s" / "svc.yaml").write_text(SERVICE)
    (tmp_path / "k8s" / "copy.yaml").write_text(SERVICE)
    (tmp_path / ".kubelint.yaml").write_text("units: [k8s]  # applied together: kubectl apply -f k8s/\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(result: Result) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in json.loads(result.stdout)["findings"]]


# Baselines


def test_baseline_survives_inserted_lines_and_reformatting(tree: Path) -> None:
    written = run("k8s", "--write-baseline", ".kubelint-baseline.json")
    assert written.exit_code == 0, written.output
    assert "wrote 3 findings" in written.stderr
    baseline = json.loads((tree / ".kubelint-baseline.json").read_text())
    assert len(baseline["findings"]) == 3
    assert all("line" not in entry for entry in baseline["findings"])
    assert run("k8s", "--format", "json").exit_code == 1  # without the baseline the findings fail the run

    # Insert lines above everything, turn the flow mapping into a block and reindent the file.
    reformatted = DEPLOYMENT.replace(
        "    matchLabels: {app: web, tier: front, app: web}\n",
        "    matchLabels:\n      app: web\n      tier: front\n      app: web\n",
    )
    reformatted = "\n".join("  " + line if line.startswith(" ") else line for line in reformatted.splitlines())
    (tree / "k8s" / "app.yaml").write_text("# owned by the web team\n\n" + reformatted + "\n")
    (tree / "k8s" / "svc.yaml").write_text("---\n# the service\n" + SERVICE)
    result = run("k8s", "--baseline", ".kubelint-baseline.json", "--format", "json")
    assert result.exit_code == 0, result.output
    assert findings(result) == []
    assert json.loads(result.stdout)["summary"]["baselined"] == 3


def test_baseline_reports_only_new_findings_and_lists_stale_entries(tree: Path) -> None:
    assert run("k8s", "--write-baseline", "base.json").exit_code == 0
    fixed = DEPLOYMENT.replace("    app: shop\n", "")  # one known finding fixed
    (tree / "k8s" / "app.yaml").write_text(fixed.replace("image: nginx:1.27", "image: nginx:1.27\n          image: x"))
    result = run("k8s", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 1
    assert findings(result) == [("yaml-duplicate-key", "k8s/app.yaml", 17)]
    assert "1 stale entry" in result.stderr and "duplicate key \"app\" (first at line 6)" not in result.stderr
    verbose = run("k8s", "--baseline", "base.json", "-v")
    assert re.search(r'stale baseline entry: k8s/app.yaml: \[yaml-duplicate-key\] duplicate key "app"', verbose.stderr)


def test_baseline_counts_repeated_findings(tree: Path) -> None:
    assert run("k8s", "--write-baseline", "base.json").exit_code == 0
    (tree / "k8s" / "copy2.yaml").write_text(SERVICE)  # a third definition of the same Service
    result = run("k8s", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 1
    assert findings(result) == [("duplicate-object", "k8s/copy2.yaml", 4)]  # the new copy, not a known one


def test_a_broken_baseline_is_a_usage_error(tree: Path) -> None:
    (tree / "bad.json").write_text("{not json")
    result = run("k8s", "--baseline", "bad.json")
    assert result.exit_code == 2 and "not a kubelint baseline" in result.stderr
    missing = run("k8s", "--baseline", "nope.json")
    assert missing.exit_code == 2 and "--write-baseline" in missing.stderr


# GitHub annotations

EVIL_KEY = 'x%0A::error::forged\\r\\n::warning file=a,line=1::forged, too:'


def test_github_annotations_cannot_be_forged(tree: Path) -> None:
    evil = tree / "k8s" / "evil,name:1.yaml"
    evil.write_text(f'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  "{EVIL_KEY}": a\n'
                    f'  "{EVIL_KEY}": b\n')
    result = run("k8s/evil,name:1.yaml", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 1, lines
    match = re.fullmatch(r"::warning file=([^,]*),line=(\d+),col=(\d+),title=([^,:]*)::(.*)", commands[0])
    assert match, commands[0]
    assert match.group(1) == "k8s/evil%2Cname%3A1.yaml"
    assert (match.group(2), match.group(3), match.group(4)) == ("7", "3", "yaml-duplicate-key")
    message = match.group(5)
    assert "\r" not in message and "%0A::" in message
    unescaped = message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    # the newline stays a newline (%0A); a carriage return is shown as a visible escape, as in the text report
    assert unescaped == 'duplicate key "x%0A::error::forged\\x0d\n::warning file=a,line=1::forged, too:" ' \
                       "(first at line 6); Kubernetes keeps this last value"
    assert lines[-1].startswith("1 file, 1 object")


def test_github_levels_and_paths_relative_to_the_source_root(tree: Path) -> None:
    result = run("k8s", "--format", "github", "--source-root", "k8s")
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert [line.split(" ")[0] for line in commands] == ["::warning"] * 3
    assert all(" file=app.yaml," in line or " file=copy.yaml," in line or " file=svc.yaml," in line
               for line in commands)


# JUnit


def test_junit_has_one_case_per_object_and_rule(tree: Path) -> None:
    result = run("k8s", "--format", "junit")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    duplicates = suites["yaml-duplicate-key"]
    cases = duplicates.findall("testcase")
    assert [case.get("name") for case in cases] == ["k8s/app.yaml"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "warning"
    assert (failure.text or "").count("k8s/app.yaml:") == 2  # both duplicate keys of that file, one test case
    objects = [case.get("name") for case in suites["duplicate-object"].findall("testcase")]
    assert objects == ["default/Service/web"]
    passing = suites["yaml-syntax"].findall("testcase")
    assert len(passing) == 1 and passing[0].find("failure") is None
    assert root.get("failures") == "2"
    assert int(root.get("tests") or 0) == sum(int(s.get("tests") or 0) for s in suites.values())


def test_junit_escapes_manifest_text(tree: Path) -> None:
    (tree / "k8s" / "ctl.yaml").write_text('a: 1\n"<b>&\\u001b[31m": 1\n"<b>&\\u001b[31m": 2\n')
    result = run("k8s/ctl.yaml", "--format", "junit")
    failure = ElementTree.fromstring(result.stdout).find(".//failure")  # parses: the text is well-formed XML
    assert failure is not None and '"<b>&\\x1b[31m"' in (failure.get("message") or "")


# Several outputs in one run, thresholds


def test_reports_go_to_files_while_text_goes_to_the_console(tree: Path) -> None:
    result = run("k8s", "--report", "sarif=out/kubelint.sarif", "--report", "junit=junit.xml",
                 "--report", "JSON=report.json")
    assert result.exit_code == 2  # out/ does not exist: a clear usage error, not a traceback
    assert "cannot write out/kubelint.sarif" in result.stderr
    (tree / "out").mkdir()
    result = run("k8s", "--report", "sarif=out/kubelint.sarif", "--report", "junit=junit.xml",
                 "--report", "JSON=report.json")
    assert result.exit_code == 1
    assert "k8s/app.yaml:7:5: warning [yaml-duplicate-key]" in result.stdout
    sarif = json.loads((tree / "out" / "kubelint.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 3
    assert len(json.loads((tree / "report.json").read_text())["findings"]) == 3
    assert ElementTree.parse(tree / "junit.xml").getroot().get("failures") == "2"
    assert "\x1b[" not in (tree / "report.json").read_text()


def test_bad_report_values_are_usage_errors(tree: Path) -> None:
    for value in ("sarif", "pdf=x.pdf", "sarif="):
        result = run("k8s", "--report", value)
        assert result.exit_code == 2 and "FORMAT=FILE" in result.stderr


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on(tree: Path, fail_on: str, code: int) -> None:
    result = run("k8s", "--fail-on", fail_on, "--format", "sarif")
    assert result.exit_code == code
    assert len(json.loads(result.stdout)["runs"][0]["results"]) == 3  # never only changes the exit code


def test_baseline_follows_objects_into_other_files(tree: Path) -> None:
    assert run("k8s", "--write-baseline", "base.json").exit_code == 0
    (tree / "k8s" / "svc.yaml").rename(tree / "k8s" / "web-service.yaml")
    result = run("k8s", "--baseline", "base.json", "--format", "json", "-v")
    assert result.exit_code == 0, result.output
    assert findings(result) == [] and "0 stale entries" in result.stderr
    # The duplicate's message names the first definition's file: renaming that file changes the message.
    (tree / "k8s" / "copy.yaml").rename(tree / "k8s" / "a-first.yaml")
    result = run("k8s", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 0, result.output


def test_include_suppressed_reports_baselined_findings_as_external_suppressions(tree: Path) -> None:
    assert run("k8s", "--write-baseline", "base.json").exit_code == 0
    plain = json.loads(run("k8s", "--baseline", "base.json", "--format", "sarif").stdout)
    assert plain["runs"][0]["results"] == []
    result = run("k8s", "--baseline", "base.json", "--format", "sarif", "--include-suppressed")
    assert result.exit_code == 0
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert len(results) == 3
    assert all(r["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "baseline"}]
               for r in results)


def test_the_cli_offers_every_format() -> None:
    from kubelint.cli import FORMAT_CHOICES
    from kubelint.report import FORMATS

    assert FORMAT_CHOICES == FORMATS


def test_junit_shows_suppressed_findings_only_when_asked_and_never_as_failures(tree: Path) -> None:
    from dataclasses import replace

    from kubelint.engine import lint_paths
    from kubelint.model.units import UnitSpec
    from kubelint.options import Options
    from kubelint.report import ReportSettings, render

    quiet = without_best_practice()[1::2]  # the rule ids after each --disable
    report = lint_paths(["k8s"], Options(disable=quiet, units=[UnitSpec(("k8s",))]))
    report.findings = [replace(finding, suppressed=True, suppression="comment") for finding in report.findings]
    plain = ElementTree.fromstring(render(report, "junit"))
    assert plain.get("failures") == "0" and plain.get("skipped") == "0"
    shown = ElementTree.fromstring(render(report, "junit", ReportSettings(show_suppressed=True)))
    assert shown.get("failures") == "0" and shown.get("skipped") == "2"
    messages = [skipped.get("message") or "" for skipped in shown.iter("skipped")]
    assert len(messages) == 2 and all(message.startswith("suppressed: ") for message in messages)
