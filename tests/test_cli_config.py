"""End to end through the CLI: configuration file, user rules, suppressions, `rules`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kubelint.cli import cli
from kubelint.config import find_config

DEPLOYMENT = """\
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
      securityContext: {runAsNonRoot: true}
      containers:
        - name: app
          image: nginx:latest
          securityContext:
            privileged: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
          livenessProbe: {tcpSocket: {port: 80}}
          readinessProbe: {tcpSocket: {port: 80}}
"""

DENY_ALL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(DEPLOYMENT)
    (tmp_path / "k8s" / "deny-all.yaml").write_text(DENY_ALL)  # the namespace's default deny (issue 4's rules)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def findings(result: Result) -> list[tuple[str, int, bool]]:
    document = json.loads(result.output)
    return sorted((f["rule"], f["line"], bool(f.get("suppressed"))) for f in document["findings"])


def test_without_config_the_defaults_apply(repo: Path) -> None:
    result = run("lint", "k8s", "--format", "json")
    assert result.exit_code == 1
    assert findings(result) == [("latest-image-tag", 14, False), ("privileged-container", 16, False)]


def test_config_found_upward_disables_and_sets_severity(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text(
        "rules:\n  disable: [latest-image-tag]\n  severity: {privileged-container: error}\nfail-on: error\n")
    os.chdir(repo / "k8s")
    assert find_config(".") == str(repo / ".kubelint.yaml")
    result = run("lint", ".", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("privileged-container", "error")]


def test_command_line_overrides_config(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text("rules:\n  disable: [latest-image-tag]\nfail-on: never\n")
    result = run("lint", "k8s", "--format", "json", "--enable", "latest-image-tag", "--fail-on", "warning")
    assert result.exit_code == 1
    assert ("latest-image-tag", 14, False) in findings(result)


def test_config_is_not_looked_for_above_the_repository_root(repo: Path) -> None:
    inner = repo / "inner"
    (inner / ".git").mkdir(parents=True)
    (repo / ".kubelint.yml").write_text("fail-on: never\n")
    assert find_config(str(inner)) is None
    assert find_config(str(repo)) is not None


@pytest.mark.parametrize(("text", "expected"), [
    ("rules:\n  disable: [latest-image-tag]\n  enabel: [x]\n", ".kubelint.yaml:3:3: rules.enabel: unknown key"),
    ("fail-on: sometimes\n", ".kubelint.yaml:1:10: fail-on: 'sometimes' is not one of"),
    ("exclude: vendor/\n", ".kubelint.yaml:1:10: exclude: 'vendor/' is not of type 'array'"),
    ("rules:\n  disable:\n    - latest-image-tags\n",
     ".kubelint.yaml:3:7: rules.disable[0]: unknown rule id 'latest-image-tags' (did you mean 'latest-image-tag'?)"),
    ("ignore:\n  - rules: [host-port]\n", ".kubelint.yaml:2:5: ignore[0]: an ignore entry needs at least one of"),
    ("namespace: [a\n", ".kubelint.yaml:2:1:"),
])
def test_bad_config_is_a_usage_error_naming_key_file_and_line(repo: Path, text: str, expected: str) -> None:
    (repo / ".kubelint.yaml").write_text(text)
    result = run("lint", "k8s")
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_show_config_prints_the_effective_settings(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text(
        "namespace: shop\nrule-dirs: [policies]\nworkloads:\n  - {kind: Rollout, apiVersion: argoproj.io/v1alpha1}\n")
    result = run("lint", "--show-config", "--namespace", "prod", "--disable", "host-port")
    assert result.exit_code == 0
    assert 'namespace: "prod"' in result.output
    assert '  disable: ["host-port"]' in result.output
    assert 'rule-dirs: ["policies"]' in result.output
    assert '"kind": "Rollout"' in result.output
    assert result.output.startswith("# configuration file: .kubelint.yaml\n")
    from kubelint.config import config_schema
    from kubelint.sources.yaml import parse

    documents, problems = parse(result.output)
    assert not problems
    from jsonschema import Draft202012Validator

    assert not list(Draft202012Validator(config_schema()).iter_errors(documents[0].data))


def test_annotation_suppressions_on_object_and_pod_template(repo: Path) -> None:
    text = DEPLOYMENT.replace("metadata: {name: web, namespace: shop}\n", "metadata:\n  name: web\n"
                              "  namespace: shop\n  annotations:\n    kubelint.io/ignore: latest-image-tag\n")
    (repo / "k8s" / "web.yaml").write_text(text)
    result = run("lint", "k8s", "--format", "json")
    assert findings(result) == [("privileged-container", 20, False)]
    assert json.loads(result.output)["summary"]["suppressed"] == 1
    shown = run("lint", "k8s", "--format", "json", "--show-suppressed")
    assert findings(shown) == [("latest-image-tag", 18, True), ("privileged-container", 20, False)]

    text = DEPLOYMENT.replace("      labels: {app: web}\n", "      labels: {app: web}\n      annotations:\n"
                              "        kubelint.io/ignore: all\n")
    (repo / "k8s" / "web.yaml").write_text(text)
    result = run("lint", "k8s")
    assert result.exit_code == 0
    assert "(2 suppressed)" in result.output


def test_inline_comment_suppresses_only_the_named_rule_on_that_line(repo: Path) -> None:
    text = DEPLOYMENT.replace("image: nginx:latest", "image: nginx:latest  # kubelint: ignore=host-port")
    text = text.replace("privileged: true", "privileged: true  # kubelint: ignore=privileged-container, host-port")
    (repo / "k8s" / "web.yaml").write_text(text)
    result = run("lint", "k8s", "--format", "text", "--show-suppressed")
    assert "[latest-image-tag] container" in result.output
    assert "(suppressed: inline comment)" in result.output
    result = run("lint", "k8s", "--format", "json")
    assert findings(result) == [("latest-image-tag", 14, False)]


def test_config_ignore_entries(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text(
        "ignore:\n  - {kind: Deployment, name: 'w*', rules: [privileged-container]}\n"
        "  - {path: 'other/*'}\n")
    result = run("lint", "k8s", "--format", "json", "--show-suppressed")
    document = json.loads(result.output)
    suppressed = {f["rule"]: f.get("suppressed") for f in document["findings"]}
    assert suppressed == {"latest-image-tag": None, "privileged-container": "config ignore entry 1 of .kubelint.yaml"}


USER_RULE = """\
id: team-label
summary: Deployments carry a team label
severity: info
check: object-schema
params:
  kinds: [Deployment]
  message: '{kind} {name} in {namespace} has no team label'
  schema:
    properties:
      metadata:
        required: [labels]
        properties:
          labels: {required: [team]}
description: Every Deployment names its owning team.
remediation: Add metadata.labels.team.
"""


def test_user_rules_from_a_folder_and_from_config(repo: Path) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "team.yaml").write_text(USER_RULE)
    result = run("lint", "k8s", "--format", "json", "--rules", "policies")
    document = json.loads(result.output)
    hits = [f for f in document["findings"] if f["rule"] == "team-label"]
    assert [(h["line"], h["message"]) for h in hits] == [(3, "Deployment web in shop has no team label")]
    (repo / ".kubelint.yaml").write_text("rule-dirs: [policies]\nrules:\n  severity: {team-label: error}\n")
    os.chdir(repo / "k8s")
    result = run("lint", ".", "--format", "json")
    assert [f["severity"] for f in json.loads(result.output)["findings"] if f["rule"] == "team-label"] == ["error"]
    listing = json.loads(run("rules", "--format", "json", "--rules", "../policies").output)
    assert {"id": "team-label", "severity": "error", "default_severity": "info", "enabled": True,
            "builtin": False}.items() <= next(r for r in listing if r["id"] == "team-label").items()


@pytest.mark.parametrize(("replace", "expected"), [
    (("message: '{kind} {name} in {namespace} has no team label'", "message: '{kind} {owner}'"),
     "team.yaml:7:12: params.message: unknown placeholder {owner}"),
    (("labels: {required: [team]}", "labels: {required: team}"),
     "team.yaml:13:"),
    (("check: object-schema", "check: object-schemas"), "unknown check 'object-schemas'"),
    (("labels: {required: [team]}", "labels: {$ref: 'https://example.com/labels.json'}"),
     "team.yaml:13:26: params.schema.properties.metadata.properties.labels.$ref: only local references"),
    (("severity: info", "severity: fatal"), "team.yaml:3:11: severity:"),
])
def test_broken_user_rule_is_a_usage_error(repo: Path, replace: tuple[str, str], expected: str) -> None:
    (repo / "policies").mkdir()
    (repo / "policies" / "team.yaml").write_text(USER_RULE.replace(*replace))
    result = run("lint", "k8s", "--rules", "policies")
    assert result.exit_code == 2, result.output
    assert expected in result.output


def test_rules_command_lists_every_rule() -> None:
    listing = json.loads(run("rules", "--format", "json").output)
    ids = [rule["id"] for rule in listing]
    assert ids == sorted(ids) and "run-as-root" in ids
    default_namespace = next(rule for rule in listing if rule["id"] == "default-namespace")
    assert default_namespace["enabled"] is False and default_namespace["severity"] == "info"
    run_as_root = next(rule for rule in listing if rule["id"] == "run-as-root")
    assert run_as_root["severity"] == "info" and run_as_root["profiles"] == ["restricted", "strict"]
    text = run("rules").output
    assert "docker-socket-mount" in text and "error" in text


ROLLOUT = """\
apiVersion: example.com/v1alpha1
kind: Canary
metadata:
  name: canary
  namespace: shop
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      hostNetwork: true
      containers:
        - name: app
          image: nginx
"""


def test_custom_workloads_from_config_get_pod_and_container_rules(repo: Path) -> None:
    (repo / "k8s" / "web.yaml").write_text(ROLLOUT)
    assert findings(run("lint", "k8s", "--format", "json")) == []
    (repo / ".kubelint.yaml").write_text(
        "workloads:\n  - {kind: Canary, apiVersion: example.com/v1alpha1, template: spec.template}\n"
        "rules:\n  disable: [missing-cpu-requests, missing-memory-requests, missing-memory-limit,"
        " missing-liveness-probe, missing-readiness-probe, privilege-escalation, writable-root-filesystem]\n")
    assert findings(run("lint", "k8s", "--format", "json")) == [
        ("host-network", 10, False), ("latest-image-tag", 13, False)]
    (repo / ".kubelint.yaml").write_text("workloads:\n  - {kind: Canary, apiVersion: other.io/v1}\n")
    assert findings(run("lint", "k8s", "--format", "json")) == []


def test_inline_comment_suppresses_a_finding_about_the_file_itself(repo: Path) -> None:
    (repo / "k8s" / "web.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\ndata:\n  x: '1'\n"
        "  x: '2'  # kubelint: ignore=yaml-duplicate-key\n  y: '1'\n  y: '2'\n")
    result = run("lint", "k8s", "--format", "json", "--show-suppressed")
    assert findings(result) == [("yaml-duplicate-key", 8, True), ("yaml-duplicate-key", 10, False)]
    assert "(1 suppressed)" in run("lint", "k8s").output


def test_unknown_rule_on_the_command_line_suggests_the_nearest(repo: Path) -> None:
    result = run("lint", "k8s", "--disable", "host-netwrok")
    assert result.exit_code == 2
    assert "unknown rule id 'host-netwrok' (did you mean 'host-network'?)" in result.output


def test_config_paths_are_relative_to_the_config_file(repo: Path) -> None:
    (repo / ".kubelint.yaml").write_text(
        "rule-dirs: [policies]\ncontext: [k8s]\nkubernetes-version: v1.30\nmax-file-size: 5\nfail-on: never\n")
    (repo / "policies").mkdir()
    os.chdir(repo / "k8s")
    from kubelint.config import find_config, load_config, to_options

    path = find_config(".")
    assert path is not None
    options = to_options(load_config(path))
    assert options.rule_dirs == [str(repo / "policies")] and options.context == [str(repo / "k8s")]
    assert options.kubernetes_version == "1.30" and options.max_file_size == 5 * 1024 * 1024
    assert options.fail_on is None


def test_builtin_custom_workloads_get_pod_rules_without_config(repo: Path) -> None:
    rollout = ROLLOUT.replace("apiVersion: example.com/v1alpha1\nkind: Canary", "apiVersion: argoproj.io/v1alpha1\n"
                              "kind: Rollout")
    (repo / "k8s" / "web.yaml").write_text(rollout)
    assert ("host-network", 10, False) in findings(run("lint", "k8s", "--format", "json"))


def test_cache_dir_in_the_configuration(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15 leftovers: `cache-dir` was not a configuration key. It is, inside the repository and in a folder of
    its own: kubelint makes the cache folder private and prunes files in it, so a configuration (repository
    content) must not aim that at the user's files or at the repository's manifests."""
    monkeypatch.delenv("KUBELINT_CACHE_DIR", raising=False)
    (repo / ".kubelint.yaml").write_text("cache-dir: .kubelint-cache\n")
    result = run("lint", "k8s")
    assert result.exit_code in (0, 1), result.output
    assert (repo / ".kubelint-cache" / "parse").is_dir()
    assert 'cache-dir: "' in run("lint", "--show-config").stdout
    cleaned = run("cache", "clean")
    assert cleaned.exit_code == 0 and ".kubelint-cache" in cleaned.output
    assert "removed 2 cache entries" in cleaned.output
    assert run("lint", "k8s", "--cache-dir", str(repo / "other")).exit_code in (0, 1)  # the command line wins
    assert (repo / "other" / "parse").is_dir()
    outside = repo.parent / f"{repo.name}-elsewhere"
    for value, says in ((str(outside), "leads outside the repository"), ("k8s", "holds files that are not kubelint's"),
                        (".", "the configuration's own folder")):
        (repo / ".kubelint.yaml").write_text(f"cache-dir: {value}\n")
        result = run("lint", "k8s")
        assert result.exit_code == 2 and says in result.output and ".kubelint.yaml:1" in result.output, result.output
    assert not outside.exists()
    (repo / ".kubelint.yaml").write_text(f"cache-dir: {outside}\n")
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(repo / "from-env"))  # the variable wins: the key is not used
    assert run("lint", "k8s").exit_code in (0, 1) and (repo / "from-env" / "parse").is_dir()
