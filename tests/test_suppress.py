"""Inline suppression comments: only a real YAML comment counts."""

from __future__ import annotations

import pytest

from kubelint.suppress import comment_rules, rule_list


@pytest.mark.parametrize(("line", "expected"), [
    ("hostNetwork: true  # kubelint: ignore=host-network", {"host-network"}),
    ("x: 1 #kubelint: ignore = a,b , c", {"a", "b", "c"}),
    ("- name: app  # kubelint: ignore=all", {"all"}),
    ('value: "# kubelint: ignore=all"', set()),
    ('value: "text # kubelint: ignore=all"', set()),
    ("value: 'it''s # kubelint: ignore=x'  # kubelint: ignore=y", {"y"}),
    ("image: repo/app#tag  # kubelint: ignore=latest-image-tag", {"latest-image-tag"}),
    ("hostNetwork: true  # kubelint: ignore", set()),
    ("hostNetwork: true  # kubelint: ignore-all", set()),
    ("hostNetwork: true", set()),
])
def test_comment_rules(line: str, expected: set[str]) -> None:
    assert comment_rules(line) == expected


def test_annotation_lists_take_commas_or_spaces() -> None:
    assert rule_list(" host-pid,host-ipc  run-as-root ") == {"host-pid", "host-ipc", "run-as-root"}
    assert rule_list("") == set()


# --- reasons, next-line and file comments, the audit ---------------------------------------------------------

import json  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from kubelint.cli import cli  # noqa: E402
from kubelint.suppress import parse_comment, split_annotation  # noqa: E402

AGENT = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
  annotations:
    kubelint.io/ignore: "host-network: reads node metrics"
spec:
  hostNetwork: true
  # kubelint: ignore-next-line=host-pid -- needs the node's processes
  hostPID: true
  hostIPC: true  # kubelint: ignore=host-ipc -- shared memory with the node agent
  containers:
    - name: agent
      image: registry.example.com/agent:latest
"""


def test_parse_comment_reads_kind_rules_columns_and_reason() -> None:
    assert parse_comment("  x: 1  # kubelint: ignore=a, B -- why not  # expect: q") == (
        "ignore", [("a", 28), ("b", 31)], "why not")
    assert parse_comment("# kubelint: ignore-next-line=a")[0] == "ignore-next-line"  # type: ignore[index]
    assert parse_comment("# kubelint: ignore-file=all -- generated") == ("ignore-file", [("all", 25)], "generated")
    assert split_annotation("host-network, host-pid: node agent") == ("host-network, host-pid", "node agent")


def lint(tmp_path: Path, text: str, *args: str) -> list[dict[str, object]]:
    (tmp_path / "agent.yaml").write_text(text)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["lint", "agent.yaml", "--format", "json", "--show-suppressed",
                                          "--disable", "all", "--enable",
                                          "host-network,host-pid,host-ipc,latest-image-tag", *args])
    finally:
        os.chdir(cwd)
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def test_reasons_everywhere_and_next_line_comments(tmp_path: Path) -> None:
    found = {f["rule"]: f for f in lint(tmp_path, AGENT)}
    assert found["host-network"]["suppressed"] == "annotation kubelint.io/ignore"
    assert found["host-network"]["suppression_reason"] == "reads node metrics"
    assert found["host-pid"]["suppressed"] == "comment on the line above"
    assert found["host-pid"]["suppression_reason"] == "needs the node's processes"
    assert found["host-ipc"]["suppression_reason"] == "shared memory with the node agent"
    assert "suppressed" not in found["latest-image-tag"]


def test_ignore_file_and_the_reason_annotation(tmp_path: Path) -> None:
    text = "# kubelint: ignore-file=latest-image-tag -- vendored chart output\n" + AGENT.replace(
        '"host-network: reads node metrics"', "host-network\n    kubelint.io/ignore-reason: reads node metrics")
    found = {f["rule"]: f for f in lint(tmp_path, text)}
    assert found["latest-image-tag"]["suppressed"] == "file comment"
    assert found["latest-image-tag"]["suppression_reason"] == "vendored chart output"
    assert found["host-network"]["suppression_reason"] == "reads node metrics"


def test_config_reason_and_sarif_justification(tmp_path: Path) -> None:
    (tmp_path / ".kubelint.yaml").write_text(
        "ignore:\n  - {name: agent, rules: [latest-image-tag], reason: mirrored by the platform team}\n")
    (tmp_path / "agent.yaml").write_text(AGENT)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["lint", "agent.yaml", "--format", "sarif", "--show-suppressed"])
        text = CliRunner().invoke(cli, ["lint", "agent.yaml", "--show-suppressed", "--no-color"]).stdout
    finally:
        os.chdir(cwd)
    results = json.loads(result.stdout)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r["suppressions"][0] for r in results if "suppressions" in r}
    assert by_rule["latest-image-tag"] == {"kind": "external", "status": "accepted",
                                           "justification": "mirrored by the platform team"}
    assert by_rule["host-pid"] == {"kind": "inSource", "status": "accepted",
                                   "justification": "needs the node's processes"}
    assert "(suppressed: comment on the line above -- needs the node's processes)" in text


def test_unknown_suppressions_are_reported_with_the_nearest_id(tmp_path: Path) -> None:
    findings = lint(tmp_path, AGENT.replace("ignore=host-ipc", "ignore=host-icp"), "--enable", "unknown-suppression")
    unknown = [f for f in findings if f["rule"] == "unknown-suppression"]
    assert [(f["line"], f["column"], f["message"]) for f in unknown] == [
        (12, 37, "inline comment names unknown rule 'host-icp' (did you mean 'host-ipc'?); it suppresses nothing")]
    assert not next(f for f in findings if f["rule"] == "host-ipc").get("suppressed")


def test_unused_suppressions_are_off_by_default(tmp_path: Path) -> None:
    text = AGENT.replace("  hostIPC: true  #", "  dnsPolicy: Default  #")
    assert not [f for f in lint(tmp_path, text) if f["rule"] == "unused-suppression"]
    unused = [f for f in lint(tmp_path, text, "--enable", "unused-suppression") if f["rule"] == "unused-suppression"]
    assert [(f["line"], f["severity"]) for f in unused] == [(12, "info")]


def test_an_annotation_kustomize_adds_suppresses(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "agent.yaml").write_text(AGENT.replace(
        '    kubelint.io/ignore: "host-network: reads node metrics"\n', "    team: ops\n"))
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "resources: [agent.yaml]\ncommonAnnotations:\n  kubelint.io/ignore: 'host-network: node agent'\n")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["lint", "app", "--format", "json", "--show-suppressed", "--disable",
                                          "all", "--enable", "host-network"])
    finally:
        os.chdir(cwd)
    found = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f.get("suppression_reason")) for f in found] == [("host-network", "node agent")]
