"""Pods the tree does not show (the unseen-pods analysis), wrong namespaces, and held-back findings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.analysis.unseen import build_unseen, creates_pods, distinctive_word
from kubelint.cli import cli
from kubelint.engine import lint_tree
from kubelint.findings import Severity
from kubelint.loader import load_tree
from kubelint.model.resource import ObjectRef
from kubelint.model.selectors import PodGroup, PodIndex, Selector
from kubelint.model.tree import Tree
from kubelint.options import Options


def _tree(tmp_path: Path, text: str, *rules: str) -> Tree:
    (tmp_path / "tree.yaml").write_text(textwrap.dedent(text))
    return load_tree([str(tmp_path)], Options(enable=list(rules), disable=["all"]))


OPERATOR = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {binding}
metadata: {name: flux, namespace: flux-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
subjects: [{kind: ServiceAccount, name: kustomize-controller, namespace: flux-system}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kustomize-controller, namespace: flux-system}
spec:
  selector: {matchLabels: {app: kustomize-controller}}
  template:
    metadata: {labels: {app: kustomize-controller}}
    spec:
      serviceAccountName: kustomize-controller
      containers: [{name: manager, image: "fluxcd/kustomize-controller:v1.3.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


@pytest.mark.parametrize("value, word", [
    ("rook-ceph-mgr", "rook"), ("argocd-server", "argocd"), ("kube-state-metrics", "state"),
    ("web-api", None), ("my-app-1", None), ("v2", None),
])
def test_distinctive_word(value: str, word: str | None) -> None:
    assert distinctive_word(value) == word


@pytest.mark.parametrize("rules, creates", [
    ([{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}], True),
    ([{"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": ["*"]}], True),
    ([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}], True),
    ([{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "delete"]}], True),
    ([{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}], False),
    ([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}], False),
    ([{"apiGroups": ["apps"], "resources": ["pods"], "verbs": ["create"]}], False),
    ("not a list", False),
])
def test_which_rules_create_pods(rules: object, creates: bool) -> None:
    assert creates_pods(rules) is creates


@pytest.mark.parametrize("binding", ["ClusterRoleBinding", "RoleBinding"])
def test_a_wildcard_controller_vouches_only_for_pods_named_after_it(tmp_path: Path, binding: str) -> None:
    tree = _tree(tmp_path, OPERATOR.replace("{binding}", binding))
    unseen = build_unseen(tree)
    own = Selector.from_map({"app": "kustomize-helper"})
    assert unseen.evidence("flux-system", own) is not None
    assert unseen.evidence("shop", Selector.from_map({"app": "checkout"})) is None
    # a ClusterRoleBinding lets it create pods everywhere, a RoleBinding only in its namespace
    elsewhere = unseen.evidence("shop", own)
    assert (elsewhere is not None) is (binding == "ClusterRoleBinding")


def test_a_binding_to_a_role_that_cannot_create_pods_is_no_evidence(tmp_path: Path) -> None:
    text = OPERATOR.replace("{binding}", "ClusterRoleBinding").replace('verbs: ["*"]', "verbs: [get, list]")
    tree = _tree(tmp_path, text)
    assert build_unseen(tree).evidence("flux-system", Selector.from_map({"app": "kustomize-helper"})) is None


def test_held_back_findings_are_listed_with_v(tmp_path: Path) -> None:
    text = OPERATOR.replace("{binding}", "ClusterRoleBinding") + textwrap.dedent("""
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: kustomize-webhook, namespace: flux-system}
    spec:
      selector: {app: kustomize-webhook}
      ports: [{port: 443}]
    """)
    (tmp_path / "tree.yaml").write_text(textwrap.dedent(text))
    args = ["lint", str(tmp_path), "--disable", "all", "--enable", "orphan-service-selector", "--no-color"]
    quiet = CliRunner().invoke(cli, args)
    assert quiet.exit_code == 0, quiet.output
    assert "held back" not in quiet.output
    verbose = CliRunner().invoke(cli, [*args, "-v"])
    assert verbose.exit_code == 0, verbose.output
    [line] = [line for line in verbose.output.splitlines() if "held back" in line]
    assert "[orphan-service-selector]" in line and "Deployment kustomize-controller may create pods" in line


WRONG_NAMESPACE = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web{namespace}}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.mark.parametrize("namespace, severity, line", [
    (", namespace: shop-prod", Severity.ERROR, 9),  # both written: at the Service's namespace
    ("", Severity.WARNING, 11),  # the Service names none: it goes where it is applied, -n may be shop
])
def test_a_selector_in_the_wrong_namespace(tmp_path: Path, namespace: str, severity: Severity, line: int) -> None:
    tree = _tree(tmp_path, WRONG_NAMESPACE.replace("{namespace}", namespace), "orphan-service-selector")
    [finding] = lint_tree(tree).findings
    assert finding.severity is severity
    assert finding.line == line
    assert "it matches Pod web in namespace shop, not in " in finding.message


def test_elsewhere_inspects_a_bounded_number_of_candidates() -> None:
    index = PodIndex()
    for number in range(1000):
        owner = ObjectRef("", "Pod", "other", f"web-{number}")
        index.add(PodGroup(owner, object(), {"app": "web", "shard": str(number)}))  # type: ignore[arg-type]
    last = Selector.from_label_selector({"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "shard", "operator": "NotIn", "values": [str(number) for number in range(999)]}]})
    assert index.elsewhere("shop", last, budget=100) == []  # the only match is beyond the budget
    assert [g.owner.name for g in index.elsewhere("shop", last, budget=1000)] == ["web-999"]
    # through its most selective requirement a selector finds its match at once
    assert [g.owner.name for g in index.elsewhere("shop", Selector.from_map({"app": "web", "shard": "999"}),
                                                  budget=1)] == ["web-999"]
    assert index.elsewhere("other", Selector.from_map({"app": "web", "shard": "999"})) == []  # own namespace
