"""Profiles (--profile, config `profile:`, rule `profiles:`), --statistics and the top rules in the summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubelint.catalog import load_catalog
from kubelint.cli import cli

# A Deployment that breaks only hardening advice: no probes, no requests or limits, may run as root,
# may escalate, writable root filesystem; its namespace has no default-deny NetworkPolicy.
PLAIN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""

TEAM_RULE = """\
id: team-owner-label
summary: A workload has no team label
severity: info
enabled: false
profiles: [team]
check: object-schema
params:
  kinds: [Deployment]
  message: '{kind} {name} has no team label'
  schema:
    required: [metadata]
    properties:
      metadata: {required: [labels], properties: {labels: {required: [team]}}}
description: Every workload names its owning team.
remediation: Add `metadata.labels.team`.
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.yaml").write_text(PLAIN)
    yield tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def severities(result: Result) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in json.loads(result.output)["findings"]:
        found.setdefault(finding["rule"], set()).add(finding["severity"])
    return found


HARDENING = {"run-as-root", "privilege-escalation", "writable-root-filesystem", "missing-liveness-probe",
             "missing-readiness-probe", "missing-cpu-requests", "missing-memory-requests",
             "missing-default-deny-ingress", "missing-default-deny-egress"}
RESTRICTED = {"run-as-root", "privilege-escalation", "writable-root-filesystem", "missing-default-deny-ingress",
              "missing-default-deny-egress"}


def test_default_profile_keeps_hardening_advice_as_info_and_passes(tree: Path) -> None:
    result = run("lint", "app.yaml", "--format", "json")
    found = severities(result)
    assert set(found) >= HARDENING
    assert all(found[rule] == {"info"} for rule in HARDENING)
    assert result.exit_code == 0  # nothing at warning or above: a first run that passes
    assert severities(run("lint", "app.yaml", "--format", "json", "--profile", "baseline")) == found


def test_restricted_promotes_security_hardening_and_strict_promotes_all(tree: Path) -> None:
    restricted = run("lint", "app.yaml", "--format", "json", "--profile", "restricted")
    found = severities(restricted)
    assert all(found[rule] == {"warning"} for rule in RESTRICTED)
    assert all(found[rule] == {"info"} for rule in HARDENING - RESTRICTED)
    assert restricted.exit_code == 1
    found = severities(run("lint", "app.yaml", "--format", "json", "--profile", "strict"))
    assert all(found[rule] == {"warning"} for rule in HARDENING)


def test_config_profile_and_explicit_severity_wins(tree: Path) -> None:
    (tree / ".kubelint.yaml").write_text("profile: strict\nrules:\n  severity:\n    missing-liveness-probe: info\n")
    found = severities(run("lint", "app.yaml", "--format", "json"))
    assert found["missing-readiness-probe"] == {"warning"}
    assert found["missing-liveness-probe"] == {"info"}
    # the command line overrides the file
    found = severities(run("lint", "app.yaml", "--format", "json", "--profile", "baseline"))
    assert found["missing-readiness-probe"] == {"info"}
    assert "profile: \"strict\"" in run("lint", "--show-config").output


def test_a_user_rule_joins_a_profile_of_its_own(tree: Path) -> None:
    (tree / "rules").mkdir()
    (tree / "rules" / "team.yaml").write_text(TEAM_RULE)
    assert "team-owner-label" not in severities(run("lint", "app.yaml", "--format", "json", "--rules", "rules"))
    found = severities(run("lint", "app.yaml", "--format", "json", "--rules", "rules", "--profile", "team"))
    assert found["team-owner-label"] == {"warning"}  # enabled by its profile, and promoted from info
    assert found["run-as-root"] == {"info"}
    # disabling wins over the profile
    found = severities(run("lint", "app.yaml", "--format", "json", "--rules", "rules", "--profile", "team",
                           "--disable", "team-owner-label"))
    assert "team-owner-label" not in found


def test_unknown_profile_is_a_usage_error(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", "app.yaml", "--profile", "paranoid"])
    assert result.exit_code == 2
    assert "unknown profile 'paranoid'" in result.output and "restricted" in result.output


def test_builtin_profiles_only_promote_advice() -> None:
    catalog = load_catalog()
    members = {rule.id for rule in catalog.values() if rule.profiles}
    assert members >= RESTRICTED
    for rule in catalog.values():
        if rule.profiles:
            assert str(rule.severity) == "info", rule.id
            assert set(rule.profiles) <= {"restricted", "strict"}, rule.id
            assert "strict" in rule.profiles, rule.id  # strict is everything restricted is, and more


def test_statistics_and_top_rules(tree: Path) -> None:
    (tree / "two.yaml").write_text(PLAIN.replace("name: web", "name: api").replace("app: web", "app: api"))
    text = run("lint", ".", "--no-color").output.splitlines()
    assert text[-1].startswith("2 files, 2 objects: 0 errors, 0 warnings, ")
    assert text[-2].startswith("top rules: ")
    assert "(--statistics lists all" in text[-2]
    stats = run("lint", ".", "--statistics", "--no-color").output.splitlines()
    assert not any(line.removeprefix("./").startswith("app.yaml:") for line in stats)
    rows = [line.split() for line in stats[:-1]]
    assert rows[[row[1] for row in rows].index("run-as-root")][:3] == ["2", "run-as-root", "info"]
    counts = [int(row[0]) for row in rows]
    assert counts == sorted(counts, reverse=True)
    assert stats[-1] == text[-1]
    quiet = run("lint", ".", "-q", "--no-color").output.splitlines()
    assert not any(line.startswith(("top rules:", "2 files")) for line in quiet)
    assert quiet and all(line.removeprefix("./").startswith(("app.yaml:", "two.yaml:")) for line in quiet)
