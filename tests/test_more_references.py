"""Roles, RBAC subjects, claims, volume mounts, classes and namespaces: what the tree decides, and only that."""

from __future__ import annotations

from pathlib import Path

from kubelint import lint
from kubelint.findings import Severity
from kubelint.model.external import External
from kubelint.options import Options

NAMESPACED = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: shop}
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: agent, namespace: shops}
data: {a: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: agent, namespace: observability}
data: {a: b}
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {annotations}
spec: {{controller: k8s.io/ingress-nginx}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec:
  defaultBackend:
    service: {{name: web, port: {{number: 80}}}}
"""


def _lint(tmp_path: Path, text: str, options: Options | None = None, rule: str = "") -> list[object]:
    path = tmp_path / "app.yaml"
    path.write_text(text)
    report = lint([str(path)], options or Options(enable=[rule]))
    return [finding for finding in report.findings if finding.rule == rule]


def test_missing_namespace_only_when_the_tree_creates_namespaces(tmp_path: Path) -> None:
    found = _lint(tmp_path, NAMESPACED, rule="missing-namespace")
    assert [(f.line, f.severity) for f in found] == [(12, Severity.ERROR)]  # type: ignore[attr-defined]
    assert "did you mean shop?" in found[0].message  # type: ignore[attr-defined]
    # a namespace that is not a near miss of one the tree creates is another installation's: held back
    report = lint([str(tmp_path / "app.yaml")], Options(enable=["missing-namespace"]))
    assert [f.line for f in report.held if f.rule == "missing-namespace"] == [17]
    # without a Namespace object, the tree is applied into namespaces made elsewhere
    assert not _lint(tmp_path, NAMESPACED.split("---\n", 1)[1], rule="missing-namespace")
    # declared in the configuration, or the namespace the tree is applied into
    external = Options(enable=["missing-namespace"], external=[External(kinds=("Namespace",),
                                                                        names=("shop?",))])
    assert not _lint(tmp_path, NAMESPACED, external, rule="missing-namespace")
    assert not _lint(tmp_path, NAMESPACED, Options(enable=["missing-namespace"], namespace="shops"),
                     rule="missing-namespace")


def test_an_ingress_without_class_is_a_warning_only_when_no_class_is_the_default(tmp_path: Path) -> None:
    found = _lint(tmp_path, INGRESS.format(annotations="{}"), rule="missing-class")
    assert [f.severity for f in found] == [Severity.WARNING]  # type: ignore[attr-defined]
    default = INGRESS.format(annotations='{ingressclass.kubernetes.io/is-default-class: "true"}')
    assert not _lint(tmp_path, default, rule="missing-class")


def test_classes_of_a_kind_the_tree_does_not_define_are_held_back(tmp_path: Path) -> None:
    claim = ("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\n"
             "spec: {storageClassName: gp3, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n")
    path = tmp_path / "claim.yaml"
    path.write_text(claim)
    report = lint([str(path)], Options(enable=["missing-class"]))
    assert not [f for f in report.findings if f.rule == "missing-class"]
    assert [f.rule for f in report.held] == ["missing-class"]
    assert not _lint(tmp_path, claim + "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                     "metadata: {name: gp3}\nprovisioner: ebs.csi.aws.com\n", rule="missing-class")
    assert len(_lint(tmp_path, claim + "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                     "metadata: {name: gp2}\nprovisioner: ebs.csi.aws.com\n", rule="missing-class")) == 1


def test_external_entries_declare_roles_and_accounts(tmp_path: Path) -> None:
    text = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: agent, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator-role}
subjects:
  - {kind: ServiceAccount, name: operator, namespace: shop}
"""
    assert len(_lint(tmp_path, text, rule="unknown-role")) == 1
    assert len(_lint(tmp_path, text, rule="unknown-rbac-subject")) == 1
    externals = [External(kinds=("ClusterRole",), names=("operator-*",)),
                 External(kinds=("ServiceAccount",), names=("operator",), namespaces=("shop",))]
    options = Options(enable=["unknown-role", "unknown-rbac-subject"], external=externals)
    assert not _lint(tmp_path, text, options, rule="unknown-role")
    assert not _lint(tmp_path, text, options, rule="unknown-rbac-subject")


def test_near_miss() -> None:
    from kubelint.checks.class_references import near_miss

    assert near_miss("store-front", "storefront") and near_miss("shops", "shop")
    assert near_miss("monitorng", "monitoring")
    assert not near_miss("shop", "shop") and not near_miss("istio-system", "kube-system")
    assert not near_miss("ab", "abc") and not near_miss("rook-ceph-external", "rook-ceph")
