"""Reference resolution: external declarations, held-back evidence, and what the tree decides."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import lint
from kubelint.cli import cli
from kubelint.config import ConfigError, load_config, to_options
from kubelint.findings import Severity
from kubelint.model.external import External, external_entry, parse_external
from kubelint.options import Options

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: app, namespace: {namespace}}}
spec:
  serviceAccountName: {account}
  containers:
    - name: app
      image: registry.example.com/app:1.0
      envFrom:
        - secretRef: {{name: {secret}}}
        - configMapRef: {{name: {config}}}
"""

DEFINED = """\
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: other-secret, namespace: shop}
stringData: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-config, namespace: shop}
data: {a: b}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    return str(path)


def _rules(report: object, rule: str, held: bool = False) -> list[object]:
    findings = report.held if held else report.findings  # type: ignore[attr-defined]
    return [finding for finding in findings if finding.rule == rule]


def test_missing_objects_of_a_namespace_the_tree_manages_are_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, POD.format(namespace="shop", account="default", secret="db", config="web") + DEFINED)
    report = lint([path])
    assert [f.severity for f in _rules(report, "missing-secret")] == [Severity.ERROR]
    assert [f.severity for f in _rules(report, "missing-configmap")] == [Severity.ERROR]
    assert "Secret 'db' (envFrom) is not defined in namespace shop" in _rules(report, "missing-secret")[0].message


def test_external_entries_declare_objects_created_elsewhere(tmp_path: Path) -> None:
    path = _write(tmp_path, POD.format(namespace="shop", account="robot", secret="db-main", config="web")
                  + DEFINED)
    externals = [External(kinds=("Secret",), names=("db-*",), namespaces=("shop",)),
                 External(kinds=("ConfigMap", "ServiceAccount"), namespaces=("sh*",))]
    report = lint([path], Options(external=externals))
    assert not _rules(report, "missing-secret")
    assert not _rules(report, "missing-configmap")
    assert not _rules(report, "unknown-service-account")
    # an entry for another namespace declares nothing here
    report = lint([path], Options(external=[External(kinds=("Secret",), namespaces=("prod",))]))
    assert len(_rules(report, "missing-secret")) == 1


def test_a_namespace_the_tree_does_not_decide_is_uncertain(tmp_path: Path) -> None:
    text = POD.format(namespace="shop", account="default", secret="db", config="web") + DEFINED
    path = _write(tmp_path, text.replace("metadata: {name: shop}", "metadata: {name: x}"))
    report = lint([path])
    found = _rules(report, "missing-secret")
    assert [f.severity for f in found] == [Severity.WARNING]  # type: ignore[attr-defined]
    assert "neither creates namespace shop nor is applied into it" in found[0].message  # type: ignore[attr-defined]
    assert [f.severity for f in _rules(lint([path], Options(namespace="shop")), "missing-secret")] == [Severity.ERROR]


def test_a_namespace_without_objects_of_the_kind_is_held_back_with_its_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, POD.format(namespace="team", account="default", secret="db", config="web"))
    report = lint([path])
    assert not _rules(report, "missing-secret")
    held = _rules(report, "missing-secret", held=True)
    assert len(held) == 1 and "the tree defines no Secret in namespace team" in held[0].held  # type: ignore[attr-defined]


def test_require_defined_false_reports_them(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "strict-secrets.yaml").write_text(
        "id: strict-secrets\nsummary: s\nseverity: error\ncheck: missing-secret\n"
        "params: {require_defined: false}\n")
    path = _write(tmp_path, POD.format(namespace="default", account="default", secret="db", config="web"))
    report = lint([path], Options(rule_dirs=[str(tmp_path / "rules")]))
    assert len(_rules(report, "strict-secrets")) == 1


def test_unrendered_kustomization_generators_create_what_they_name(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n"
        "configMapGenerator:\n  - name: web\n    literals: [a=b]\nsecretGenerator:\n  - name: db\n"
        "    literals: [c=d]\n")
    _write(tmp_path, POD.format(namespace="shop", account="default", secret="db", config="web") + DEFINED)
    report = lint([str(tmp_path)], Options(render=False))
    assert not _rules(report, "missing-secret") and not _rules(report, "missing-configmap")
    held = _rules(report, "missing-configmap", held=True)
    assert held and "generates it (configMapGenerator)" in held[0].held  # type: ignore[attr-defined]


def test_a_workload_allowed_to_create_secrets_holds_back_secrets_named_after_it(tmp_path: Path) -> None:
    rbac = """\
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: vault-agent, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: vault-agent-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: vault-agent, namespace: shop}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: vault-agent, namespace: shop}
spec:
  selector: {matchLabels: {app: vault-agent}}
  template:
    metadata: {labels: {app: vault-agent}}
    spec:
      serviceAccountName: vault-agent
      containers:
        - name: agent
          image: registry.example.com/vault-agent:1.0
"""
    path = _write(tmp_path, POD.format(namespace="shop", account="default", secret="vault-db", config="other-config")
                  + DEFINED + rbac)
    report = lint([path])
    assert not _rules(report, "missing-secret")
    held = _rules(report, "missing-secret", held=True)
    assert "Deployment vault-agent may create secrets in every namespace" in held[0].held  # type: ignore[attr-defined]
    # a Secret not named after it is still missing
    path = _write(tmp_path, POD.format(namespace="shop", account="default", secret="app-db", config="other-config")
                  + DEFINED + rbac)
    assert len(_rules(lint([path]), "missing-secret")) == 1


def test_verbose_lists_held_references(tmp_path: Path) -> None:
    path = _write(tmp_path, POD.format(namespace="team", account="default", secret="db", config="web"))
    result = CliRunner().invoke(cli, ["lint", path, "-v", "--fail-on", "never"])
    assert "held back [missing-secret]" in result.output


# the configuration's external key -------------------------------------------------------------------------------


def test_external_config_is_read_validated_and_shown(tmp_path: Path) -> None:
    config = tmp_path / ".kubelint.yaml"
    config.write_text("external:\n  - {kind: Secret, name: ['db-*', registry], namespace: shop, reason: vault}\n"
                      "  - {namespace: linkerd}\n")
    options = to_options(load_config(str(config)))
    assert options.external == [External(("Secret",), ("db-*", "registry"), ("shop",), "vault"),
                                External((), (), ("linkerd",))]
    assert external_entry(options.external[0]) == {"kind": "Secret", "name": ["db-*", "registry"],
                                                   "namespace": "shop", "reason": "vault"}
    config.write_text("external:\n  - {reason: nothing named}\n")
    with pytest.raises(ConfigError, match=r"external\[0\]: an external entry needs at least one of kind, name"):
        load_config(str(config))
    config.write_text("external:\n  - {kind: Secret, nam: x}\n")
    with pytest.raises(ConfigError, match=r":2:\d+: external\[0\].nam: unknown key"):
        load_config(str(config))


@pytest.mark.parametrize(("entry", "kind", "namespace", "name", "expected"), [
    ({"namespace": "linkerd"}, "Namespace", None, "linkerd", True),
    ({"namespace": "linkerd"}, "Secret", "linkerd", "anything", True),
    ({"namespace": "linkerd"}, "ClusterRole", None, "linkerd", False),
    ({"kind": "ClusterRole", "name": "platform:*"}, "ClusterRole", None, "platform:viewer", True),
    ({"kind": "ClusterRole", "name": "platform:*"}, "Role", "shop", "platform:viewer", False),
    ({"kind": ["Secret", "ConfigMap"], "name": "db"}, "ConfigMap", "any", "db", True),
    ({"name": "db"}, "ConfigMap", "any", "dbx", False),
])
def test_external_entry_matching(entry: dict[str, object], kind: str, namespace: str | None, name: str,
                                 expected: bool) -> None:
    assert parse_external(entry).matches(kind, namespace, name) is expected
