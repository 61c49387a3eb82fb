"""unknown-service-account: a namespace the tree does not define makes the missing ServiceAccount uncertain."""

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


def _finding(tmp_path: Path, text: str, namespace: str = "default") -> tuple[Severity, str]:
    (tmp_path / "app.yaml").write_text(text)
    report = lint([str(tmp_path / "app.yaml")], Options(namespace=namespace))
    found = [finding for finding in report.findings if finding.rule == "unknown-service-account"]
    assert len(found) == 1, found
    return found[0].severity, found[0].message


def test_namespace_defined_nowhere_is_uncertain(tmp_path: Path) -> None:
    # a copy of an operator's own Deployment, applied into the namespace its install created
    severity, message = _finding(tmp_path, DEPLOYMENT.format(namespace="mesh"))
    assert severity == Severity.INFO
    assert "neither is the namespace" in message


def test_namespace_in_the_tree_is_a_warning(tmp_path: Path) -> None:
    severity, message = _finding(tmp_path, DEPLOYMENT.format(namespace="mesh") + NAMESPACE)
    assert severity == Severity.WARNING
    assert "the pods are not created until it exists" in message


def test_the_namespace_applied_into_is_a_warning(tmp_path: Path) -> None:
    severity, _ = _finding(tmp_path, DEPLOYMENT.format(namespace="mesh"), namespace="mesh")
    assert severity == Severity.WARNING
    severity, _ = _finding(tmp_path, DEPLOYMENT.format(namespace="default"))
    assert severity == Severity.WARNING
