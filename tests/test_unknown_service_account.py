"""unknown-service-account: what the tree decides about a namespace decides how a missing ServiceAccount is said."""

from __future__ import annotations

from pathlib import Path

from kubelint import lint
from kubelint.findings import Severity
from kubelint.options import Options

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: identity, namespace: {namespace}}}
spec:
  selector:
    matchLabels: {{app: identity}}
  template:
    metadata:
      labels: {{app: identity}}
    spec:
      serviceAccountName: identity
      containers:
        - name: identity
          image: example.com/identity:1.0
"""

NAMESPACE = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: mesh}\n"
OTHER_ACCOUNT = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: other, namespace: {namespace}}}\n"


def _finding(tmp_path: Path, text: str, namespace: str = "default") -> tuple[Severity, str]:
    (tmp_path / "app.yaml").write_text(text)
    report = lint([str(tmp_path / "app.yaml")], Options(namespace=namespace))
    found = [finding for finding in report.findings if finding.rule == "unknown-service-account"]
    assert len(found) == 1, found
    return found[0].severity, found[0].message


def test_namespace_defined_nowhere_is_uncertain(tmp_path: Path) -> None:
    # a copy of an operator's own Deployment, applied into the namespace its install created
    severity, message = _finding(tmp_path, DEPLOYMENT.format(namespace="mesh") + OTHER_ACCOUNT.format(namespace="mesh"))
    assert severity == Severity.WARNING
    assert "neither creates namespace mesh nor is applied into it" in message


def test_namespace_without_accounts_in_the_tree_is_held_back(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(DEPLOYMENT.format(namespace="mesh") + NAMESPACE)
    report = lint([str(tmp_path / "app.yaml")], Options())
    assert not [finding for finding in report.findings if finding.rule == "unknown-service-account"]
    held = [finding for finding in report.held if finding.rule == "unknown-service-account"]
    assert len(held) == 1 and "the tree defines no ServiceAccount in namespace mesh" in held[0].held


def test_namespace_in_the_tree_is_an_error(tmp_path: Path) -> None:
    severity, message = _finding(tmp_path, DEPLOYMENT.format(namespace="mesh") + NAMESPACE
                                 + OTHER_ACCOUNT.format(namespace="mesh"))
    assert severity == Severity.ERROR
    assert "the pods are not created until it exists" in message


def test_the_namespace_applied_into_is_an_error(tmp_path: Path) -> None:
    text = DEPLOYMENT.format(namespace="mesh") + OTHER_ACCOUNT.format(namespace="mesh")
    severity, _ = _finding(tmp_path, text, namespace="mesh")
    assert severity == Severity.ERROR
    text = DEPLOYMENT.format(namespace="default") + OTHER_ACCOUNT.format(namespace="default")
    severity, _ = _finding(tmp_path, text)
    assert severity == Severity.ERROR
