"""``kubelint test RULES_DIR`` runs users' fixtures as the built-in catalogue's are run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kubelint.cli import cli

RULE = """\
id: team-label
summary: Deployments carry a team label
severity: warning
check: object-schema
params:
  kinds: [Deployment]
  message: '{kind} {name} has no team label'
  schema:
    properties:
      metadata:
        required: [labels]
        properties:
          labels: {required: [team]}
"""
FIXTURE = """\
apiVersion: apps/v1
kind: Deployment
metadata:  # expect: team-label
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {team: payments}
"""


def setup(tmp_path: Path, fixture: str = FIXTURE) -> Path:
    rules = tmp_path / "policies"
    (rules / "fixtures" / "team-label").mkdir(parents=True)
    (rules / "team-label.yaml").write_text(RULE)
    (rules / "fixtures" / "team-label" / "deployments.yaml").write_text(fixture)
    return rules


def test_passing_fixtures_exit_0(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["test", str(setup(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output == "ok   team-label\n1 passed, 0 failed\n"


def test_a_missing_and_an_unexpected_finding_fail(tmp_path: Path) -> None:
    fixture = FIXTURE.replace("metadata:  # expect: team-label", "metadata:").replace(
        "  labels: {team: payments}", "  labels: {team: payments}  # expect: team-label")
    result = CliRunner().invoke(cli, ["test", str(setup(tmp_path, fixture))])
    assert result.exit_code == 1
    assert "FAIL team-label" in result.output
    assert "deployments.yaml:3: unexpected finding" in result.output
    assert "deployments.yaml:10: expected a finding, got none" in result.output


def test_a_rule_without_fixtures_is_untested(tmp_path: Path) -> None:
    rules = setup(tmp_path)
    (rules / "other.yaml").write_text(RULE.replace("team-label", "other-label"))
    result = CliRunner().invoke(cli, ["test", str(rules)])
    assert result.exit_code == 1 and "FAIL other-label\n     no fixtures" in result.output


def test_a_broken_rule_is_a_usage_error(tmp_path: Path) -> None:
    rules = setup(tmp_path)
    (rules / "team-label.yaml").write_text(RULE.replace("  kinds:", "  kind:"))
    result = CliRunner().invoke(cli, ["test", str(rules)])
    assert result.exit_code == 2 and "params.kind: unknown key (did you mean 'kinds'?)" in result.output


def test_explain_shows_a_user_rules_own_fixtures(tmp_path: Path) -> None:
    rules = setup(tmp_path)
    (rules / "fixtures" / "team-label" / "example.yaml").write_text(FIXTURE)
    result = CliRunner().invoke(cli, ["explain", "team-label", "--rules", str(rules)])
    assert result.exit_code == 0
    assert "Failing example\n\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web" \
        in result.output
    assert "labels: {team: payments}" in result.output
