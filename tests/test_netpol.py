"""NetworkPolicy semantics (kubelint/analysis/netpol.py), the namespace findings' location, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubelint.analysis.graph import build_graph
from kubelint.analysis.netpol import EGRESS, INGRESS, OUTSIDE, Network, build_network, effective_types
from kubelint.cli import cli
from kubelint.engine import lint_tree
from kubelint.loader import load_tree
from kubelint.model.selectors import PodGroup
from kubelint.model.tree import Tree
from kubelint.options import Options

NETPOL_RULES = ["missing-default-deny-ingress", "missing-default-deny-egress", "non-isolated-pod",
                "orphan-networkpolicy-selector", "orphan-networkpolicy-peer", "networkpolicy-port-mismatch",
                "service-unreachable"]


def tree_of(tmp_path: Path, text: str) -> Tree:
    (tmp_path / "tree.yaml").write_text(text)
    return load_tree([str(tmp_path / "tree.yaml")], Options())


def group(network: Network, name: str) -> PodGroup:
    return next(g for g in network.graph.pods if g.owner.name == name)


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, {INGRESS}),
    ({"egress": []}, {INGRESS}),
    ({"egress": [{}]}, {INGRESS, EGRESS}),
    ({"ingress": [{}], "egress": [{"to": []}]}, {INGRESS, EGRESS}),
    ({"policyTypes": ["Egress"]}, {EGRESS}),
    ({"policyTypes": ["Egress"], "ingress": [{}]}, {EGRESS}),
    ({"policyTypes": [], "egress": [{}]}, {INGRESS, EGRESS}),
    ({"policyTypes": "Ingress"}, {INGRESS}),
    ([], {INGRESS}),
])
def test_effective_policy_types(spec: Any, expected: set[str]) -> None:
    assert effective_types(spec) == expected


PODS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: a, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  containers: [{name: a, image: x, ports: [{name: http, containerPort: 3000}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: front, labels: {app: client}}
spec:
  containers: [{name: a, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: front, labels: {app: web}}
spec:
  containers: [{name: a, image: x}]
"""


def policy(namespace: str, spec: str) -> str:
    return (f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: {namespace}}}"
            f"\nspec:\n{spec}")


def test_unselected_pods_are_open_and_a_default_deny_closes_them(tmp_path: Path) -> None:
    network = build_network(tree_of(tmp_path, PODS))
    web, client = group(network, "web"), group(network, "client")
    assert network.reach(client, web).every
    network = build_network(tree_of(tmp_path, PODS + policy("shop", "  podSelector: {}\n")))
    web, client = group(network, "web"), group(network, "client")
    assert network.isolated(web, INGRESS) and not network.isolated(web, EGRESS)
    reached = network.reach(client, web)
    assert not reached.every and not reached.entries
    assert network.reach(web, client).every  # egress is not isolated: web may still connect out


def test_ingress_empty_list_admits_nothing_and_empty_rule_admits_everything(tmp_path: Path) -> None:
    network = build_network(tree_of(tmp_path, PODS + policy("shop", "  podSelector: {}\n  ingress: []\n")))
    assert not network.reach(OUTSIDE, group(network, "api")).every
    network = build_network(tree_of(tmp_path, PODS + policy("shop", "  podSelector: {}\n  ingress: [{}]\n")))
    assert network.reach(OUTSIDE, group(network, "api")).every


def _sources(network: Network, destination: str) -> set[tuple[str | None, str]]:
    target = next(g for g in network.graph.pods if g.owner.name == destination and g.namespace == "shop")
    return {(g.namespace, g.owner.name) for g in network.graph.pods
            if network.reach(g, target).every or network.reach(g, target).entries}


def test_namespace_and_pod_selector_in_one_element_is_and_in_two_is_or(tmp_path: Path) -> None:
    both = ("  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n"
            "    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: front}}\n"
            "      podSelector: {matchLabels: {app: client}}\n")
    network = build_network(tree_of(tmp_path, PODS + policy("shop", both)))
    assert _sources(network, "api") == {("front", "client")}
    either = both.replace("      podSelector: {matchLabels: {app: client}}",
                          "    - podSelector: {matchLabels: {app: web}}")
    network = build_network(tree_of(tmp_path, PODS + policy("shop", either)))
    # every pod of front, or pods labelled app=web of the policy's own namespace (shop)
    assert _sources(network, "api") == {("front", "client"), ("front", "web"), ("shop", "web")}


def test_namespace_selector_matches_labels_and_the_name_label(tmp_path: Path) -> None:
    network = build_network(tree_of(tmp_path, PODS + policy("shop", "  podSelector: {}")))
    assert network.namespace_candidates(_selector({"team": "shop"})) == (["shop"], False)
    assert network.namespace_candidates(_selector({"kubernetes.io/metadata.name": "front"})) == (["front"], False)
    assert network.namespace_candidates(_selector({"kubernetes.io/metadata.name": "kube-system"})) == ([], True)
    assert network.namespace_candidates(_selector({"team": "payments"}))[1] is True
    names, open_ = network.namespace_candidates(_selector({}))
    assert set(names) == {"shop", "front"} and open_


def _selector(labels: dict[str, str]) -> Any:
    from kubelint.model.selectors import Selector

    return Selector.from_label_selector({"matchLabels": labels})


def test_named_ports_resolve_per_destination_pod_and_end_port_ranges_meet(tmp_path: Path) -> None:
    spec = ("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - ports: [{port: http}]\n"
            "  egress:\n  - ports: [{port: 8000, endPort: 8100}]\n")
    network = build_network(tree_of(tmp_path, PODS + policy("shop", spec)))
    web, api = group(network, "web"), group(network, "api")
    assert network.reach(api, web).describe(web) == ["TCP/http (8080)"]
    assert not network.reach(web, api).entries  # http is 3000 on api: outside 8000-8100
    assert network.reach(OUTSIDE, api).describe(api) == ["TCP/http (3000)"]


def test_ip_blocks_are_outside_the_tree(tmp_path: Path) -> None:
    spec = "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n"
    network = build_network(tree_of(tmp_path, PODS + policy("shop", spec)))
    assert network.reach(OUTSIDE, group(network, "api")).every
    assert not network.reach(group(network, "client"), group(network, "api")).entries


def test_policy_edges_are_in_the_graph(tmp_path: Path) -> None:
    spec = ("  podSelector: {matchLabels: {app: api}}\n  ingress:\n"
            "  - from: [{podSelector: {matchLabels: {app: web}}}]\n")
    tree = tree_of(tmp_path, PODS + policy("shop", spec))
    assert build_network(tree).policies
    assert not any(edge.source.kind == "NetworkPolicy" for edge in build_graph(tree).edges())  # only views add them
    build_network(tree).add_edges()
    relations = {(edge.relation, edge.target.name) for edge in build_graph(tree).edges()
                 if edge.source.kind == "NetworkPolicy"}
    assert relations == {("isolates", "api"), ("allows-from", "web")}


def test_a_namespace_finding_names_the_namespace_and_points_at_its_first_workload(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n---\n"
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\nspec:\n"
                    "  containers: [{name: a, image: x}]\n")
    result = CliRunner().invoke(cli, ["lint", str(path), "--format", "json", "--disable", "all",
                                      "--enable", "missing-default-deny-ingress"])
    findings = json.loads(result.output)["findings"]
    assert [(f["line"], f["object"]) for f in findings] == [
        (5, {"apiVersion": "v1", "kind": "Namespace", "namespace": None, "name": "shop"})]
    assert "its only workload (Pod a) is not isolated for ingress" in findings[0]["message"]


def test_the_message_counts_workloads_isolated_by_other_policies(tmp_path: Path) -> None:
    spec = "  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n"
    options = Options(enable=["missing-default-deny-ingress"], disable=["all"])
    (tmp_path / "tree.yaml").write_text(PODS + policy("shop", spec))
    report = lint_tree(load_tree([str(tmp_path / "tree.yaml")], options))
    messages = {f.location.ref.name: f.message for f in report.findings if f.location.ref is not None}
    assert "1 of its 2 workloads is already isolated for ingress by other policies (by a policy that admits all " \
           "ingress traffic, which restricts nothing); Pod api is not" in messages["shop"]
    assert "none of its 2 workloads is isolated for ingress" in messages["front"]


BAD = [
    "spec: []",
    "spec: {podSelector: x, ingress: x, egress: 3, policyTypes: [1, Ingress]}",
    "spec: {ingress: [1, {from: x}, {from: [1, {}, {ipBlock: 3}, {podSelector: 1}], ports: [1, {port: true}]}]}",
    "spec: {egress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: Bad}]}}], ports: [{}]}]}",
    "spec: {ingress: [{ports: [{port: 80, endPort: 70}, {port: x, endPort: 90}, {protocol: 5}]}]}",
    "spec: {podSelector: {matchLabels: {app: [1]}}, egress: [{to: [{ipBlock: {cidr: 1, except: x}}]}]}",
]


@pytest.mark.parametrize("body", BAD)
def test_malformed_policies_never_raise(tmp_path: Path, body: str) -> None:
    text = PODS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\n"
    text += body + "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\n"
    text += "spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}, {port: x}]}\n"
    (tmp_path / "tree.yaml").write_text(text)
    options = Options(enable=NETPOL_RULES, disable=["all"])
    lint_tree(load_tree([str(tmp_path / "tree.yaml")], options))
    from kubelint.views.graph import build_view, render

    tree = load_tree([str(tmp_path / "tree.yaml")], options)
    for reach in (False, True):
        for format_name in ("text", "dot", "mermaid", "json"):
            assert render(build_view(tree.units(), reach), format_name)


def test_a_config_ignore_entry_on_the_namespace_suppresses_the_default_deny_findings(tmp_path: Path) -> None:
    (tmp_path / "tree.yaml").write_text(PODS)
    options = Options(enable=["missing-default-deny-ingress"], disable=["all"],
                      ignore=[{"kind": "Namespace", "name": "shop"}])
    report = lint_tree(load_tree([str(tmp_path / "tree.yaml")], options))
    state = {f.location.ref.name: f.suppressed for f in report.findings if f.location.ref is not None}
    assert state == {"shop": True, "front": False}


def _fuzz_values() -> Any:
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.text(max_size=6),
                        st.sampled_from(["Ingress", "Egress", "TCP", "UDP", "http", "In", "NotIn", "Exists",
                                         "10.0.0.0/8", "kubernetes.io/metadata.name", "shop", "web"]))
    keys = st.sampled_from(["podSelector", "namespaceSelector", "ipBlock", "cidr", "except", "from", "to", "ports",
                            "port", "endPort", "protocol", "matchLabels", "matchExpressions", "key", "operator",
                            "values", "app", "ingress", "egress", "policyTypes"])
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(keys, inner, max_size=4)), max_leaves=14)


def test_any_policy_shape_lints_and_graphs_without_raising() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kubelint.loader import build_tree
    from kubelint.sources.read import Source
    from kubelint.sources.yaml import parse
    from kubelint.views.graph import build_view, render

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(st.sampled_from(["podSelector", "ingress", "egress", "policyTypes"]), _fuzz_values(),
                           max_size=4))
    def run(spec: dict[str, Any]) -> None:
        documents = [
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "p", "namespace": "shop"}, "spec": spec},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop",
                                                             "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "a", "image": "x", "ports": [{"name": "http", "containerPort": 80}]}]}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}},
        ]
        text = "\n---\n".join(json.dumps(document) for document in documents)
        parsed, problems = parse(text)
        tree = build_tree([Source("fuzz.yaml", text, parsed, problems)], Options(enable=NETPOL_RULES,
                                                                                 disable=["all"]))
        for finding in lint_tree(tree).findings:
            assert finding.line >= 1
        for reach in (False, True):
            assert render(build_view(tree.units(), reach), "mermaid").startswith("flowchart LR")

    run()


BLANKET = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: blanket, namespace: team}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [RULES]
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: team, labels: {app: api}}
spec: {containers: [{name: api, image: "nginx:1.27"}]}
"""


@pytest.mark.parametrize(("rules", "severity"), [
    ("{from: [{podSelector: {}}]}", None),  # isolates every pod, present and future: default isolation
    ("{ports: [{port: 8080}]}", None),
    ("{}", "info"),  # isolates every pod but admits everything: a word of advice, no warning
])
def test_a_policy_selecting_every_pod_gives_default_isolation(tmp_path: Path, rules: str,
                                                                severity: str | None) -> None:
    tree = tree_of(tmp_path, BLANKET.replace("RULES", rules))
    findings = [f for f in lint_tree(tree).findings if f.rule == "missing-default-deny-ingress"]
    assert [str(f.severity) for f in findings] == ([severity] if severity else [])
    for finding in findings:
        assert "later" not in finding.message and "blanket selects every pod" in finding.message
