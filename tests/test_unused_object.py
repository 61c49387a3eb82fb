"""unused-object and the usage analysis: what counts as a use, what the tree cannot decide, and the near misses
that missing-configmap and missing-secret point at."""

from __future__ import annotations

from pathlib import Path

from kubelint import lint
from kubelint.analysis.usage import build_usage
from kubelint.loader import load_tree
from kubelint.model.resource import ObjectRef
from kubelint.options import Options

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: example/app:1.0
        envFrom: [{configMapRef: {name: app-confg}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: shop}
"""


def _write(tmp_path: Path, text: str, name: str = "app.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_off_by_default_and_info(tmp_path: Path) -> None:
    path = _write(tmp_path, APP)
    assert not [f for f in lint([path], Options()).findings if f.rule == "unused-object"]
    found = [f for f in lint([path], Options(enable=["unused-object"])).findings if f.rule == "unused-object"]
    assert [(f.line, str(f.severity)) for f in found] == [(21, "info"), (25, "info")]


def test_a_misspelled_reference_names_the_unused_object_it_meant(tmp_path: Path) -> None:
    path = _write(tmp_path, APP)
    [finding] = [f for f in lint([path], Options(namespace="shop")).findings if f.rule == "missing-configmap"]
    assert finding.message.endswith("; did you mean app-config (defined there, and nothing uses it)?")
    assert [(related.line, related.message) for related in finding.related] == [
        (21, "ConfigMap app-config, which nothing uses")]
    # once something uses app-config, it is no longer offered
    used = APP.replace("metadata: {name: unrelated, namespace: shop}",
                       "metadata: {name: unrelated, namespace: shop}\ndata: {note: see app-config}")
    path = _write(tmp_path, used)
    [finding] = [f for f in lint([path], Options(namespace="shop")).findings if f.rule == "missing-configmap"]
    assert "did you mean" not in finding.message and not finding.related


def test_kinds_param_and_what_a_string_names(tmp_path: Path) -> None:
    text = APP + """\
---
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main, namespace: shop}
spec:
  configSecret: am-config
  containers:
  - name: unrelated
    image: unrelated:1.0
---
apiVersion: v1
kind: Secret
metadata: {name: am-config, namespace: shop}
"""
    path = _write(tmp_path, text)
    tree = load_tree([path], Options())
    usage = build_usage(tree)
    # a container name and an image do not use the ConfigMap unrelated; the Alertmanager's configSecret uses the
    # Secret
    assert usage.of(ObjectRef("", "ConfigMap", "shop", "unrelated")).state == "unused"  # type: ignore[union-attr]
    assert usage.of(ObjectRef("", "Secret", "shop", "am-config")).reason == "Alertmanager main names it"  # type: ignore[union-attr]
    report = lint([path], Options(enable=["unused-object"]))
    assert {f.line for f in report.findings if f.rule == "unused-object"} == {21, 25}
    from kubelint.checks.unused import unused_object

    assert [hit.location.line for hit in unused_object(tree, {"kinds": ["ConfigMap"]})] == [21, 25]
    assert not list(unused_object(tree, {"kinds": ["Secret", "Role"]}))


def test_a_template_kubelint_cannot_read_may_use_it(tmp_path: Path) -> None:
    path = _write(tmp_path, APP)
    _write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: {{ .Release.Name }}}\nspec:\n  volumes:\n"
                     "  - configMap: {name: unrelated}\n", "pod.yaml")
    tree = load_tree([str(tmp_path)], Options())
    [unit] = tree.units()
    usage = build_usage(unit).of(ObjectRef("", "ConfigMap", "shop", "unrelated"))
    assert usage is not None and usage.state == "used" and "pod.yaml" in usage.reason
    assert path


def test_rbac_reads_hold_back_what_a_program_may_read(tmp_path: Path) -> None:
    text = APP + """\
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: config-reader}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: config-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: config-reader}
subjects: [{kind: ServiceAccount, name: app, namespace: shop}]
"""
    path = _write(tmp_path, text)
    report = lint([path], Options(enable=["unused-object"]))
    assert not [f for f in report.findings if f.rule == "unused-object"]
    held = [f for f in report.held if f.rule == "unused-object"]
    assert len(held) == 2 and all("configmaps of every namespace: ClusterRoleBinding config-reader" in f.held
                                  for f in held)
    # bound by a RoleBinding of another namespace, the ClusterRole's reads apply there only
    other = text.replace("kind: ClusterRoleBinding\nmetadata: {name: config-reader}",
                         "kind: RoleBinding\nmetadata: {name: config-reader, namespace: ops}")
    path = _write(tmp_path, other)
    report = lint([path], Options(enable=["unused-object"]))
    assert len([f for f in report.findings if f.rule == "unused-object"]) == 2
