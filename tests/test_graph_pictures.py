"""`kubelint graph` pictures that explain: findings on their edges, missing objects, traffic direction, namespace
clusters, a legend, stable ids, filters, the collapsed reach of an open namespace, Markdown and images."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from mermaid_check import check_mermaid

from kubelint.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")

BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: x:1
        ports: [{name: http, containerPort: 8080}]
        envFrom: [{configMapRef: {name: web-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: shop}
data: {a: b}
---
apiVersion: v1
kind: Service
metadata: {name: ghost, namespace: shop}
spec:
  selector: {app: ghost}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: nosuch, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 9999}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: webb, port: 80}]
"""


def graph(*args: str) -> str:
    result = CliRunner().invoke(cli, ["graph", *args])
    assert result.exit_code == 0, result.output
    return result.output


def edges(document: dict) -> dict[tuple[str, str, str], list[str]]:  # type: ignore[type-arg]
    names = {node["id"]: f"{node['kind'] or ''}/{node['name']}" for node in document["nodes"]}
    return {(names[edge["source"]], edge["relation"], names[edge["target"]]): edge["findings"]
            for edge in document["edges"]}


@pytest.fixture
def broken(tmp_path: Path) -> str:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    return str(path)


def test_the_example_apps_two_errors_are_red_edges_with_their_rule_ids() -> None:
    found = edges(json.loads(graph(str(EXAMPLES), "--format", "json")))
    assert found[("Service/frontend", "selects", "Deployment/frontend")] == ["service-target-port-mismatch"]
    assert found[("Ingress/shop", "routes", "Service/frontend")] == ["ingress-port-mismatch"]
    assert found[("Service/cart", "selects", "Deployment/cart")] == []  # healthy edges stay as they were
    # the namespace the frontend policy admits (no pods in the tree) is a dashed node, its traffic an edge
    assert found[("Namespace/ingress-nginx", "allows-from", "NetworkPolicy/frontend")] == []
    dot = graph(str(EXAMPLES), "--format", "dot")
    red = [line for line in dot.splitlines() if "->" in line and 'color="#d00000"' in line
           and "legend" not in line]
    assert len(red) == 2 and all("[service-target-port-mismatch]" in line or "[ingress-port-mismatch]" in line
                                 for line in red)
    mermaid = graph(str(EXAMPLES), "--format", "mermaid").splitlines()
    check_mermaid(mermaid)
    thick = [line for line in mermaid if "==>" in line and "legend" not in line]
    assert len(thick) == 2
    text = graph(str(EXAMPLES))
    assert "Ingress shop (shop) --routes 8080 [ingress-port-mismatch]--> Service frontend (shop)" in text


def test_broken_references_end_at_dashed_missing_nodes(broken: str) -> None:
    document = json.loads(graph(broken, "--format", "json"))
    found = edges(document)
    assert found[("Deployment/web", "uses", "ConfigMap/web-config")] == ["missing-configmap"]
    assert found[("Ingress/web", "routes", "Service/nosuch")] == ["ingress-unknown-service"]
    assert found[("HTTPRoute/r", "routes-to", "Service/webb")] == ["route-backend-not-found"]
    assert found[("Service/ghost", "selects", "/no pods match")] == ["orphan-service-selector"]
    # the rule's finding is on the rule's edge, drawn from the admitted peer to the policy
    assert found[("Deployment/web", "allows-from", "NetworkPolicy/web")] == ["networkpolicy-port-mismatch"]
    missing = {node["name"] for node in document["nodes"] if node["missing"]}
    assert {"web-config", "nosuch", "webb", "no pods match"} <= missing
    assert "other" not in {node["name"] for node in document["nodes"]}  # healthy ConfigMaps are not drawn
    dot = graph(broken, "--format", "dot")
    assert re.search(r'label="ConfigMap web-config \(shop\) \(not in the tree\)", shape=box, style=dashed', dot)
    mermaid = graph(broken, "--format", "mermaid").splitlines()
    check_mermaid(mermaid)
    assert any(line.startswith("  class ") and line.endswith(" missing") and "ConfigMap_shop_web_config_" in line
               for line in mermaid)


def test_no_findings_and_suppressed_findings_are_not_drawn(tmp_path: Path) -> None:
    found = edges(json.loads(graph(str(EXAMPLES), "--format", "json", "--no-findings")))
    assert not any(found.values())
    config = tmp_path / "kubelint.yaml"
    config.write_text("rules:\n  disable: [ingress-port-mismatch]\n")
    found = edges(json.loads(graph(str(EXAMPLES), "--format", "json", "--config", str(config))))
    assert found[("Ingress/shop", "routes", "Service/frontend")] == []
    assert found[("Service/frontend", "selects", "Deployment/frontend")] == ["service-target-port-mismatch"]


def test_namespaces_are_clusters_and_a_legend_names_what_the_picture_uses() -> None:
    dot = graph(str(EXAMPLES), "--format", "dot")
    assert re.search(r'subgraph cluster_ns_\w+ \{\n +label="namespace shop";', dot)
    legend = next(line for line in dot.splitlines() if line.startswith("  legend ["))
    for relation in ("selects", "routes", "isolates", "allows-from", "allows-to"):
        assert f'<td align="left">{relation}: ' in legend
    assert "a finding is about this edge" in legend and "routes-to" not in legend
    mermaid = graph(str(EXAMPLES), "--format", "mermaid")
    assert re.search(r'subgraph ns_\w+\["namespace shop"\]', mermaid) and 'subgraph legend["legend"]' in mermaid


def test_ids_are_stable_when_an_object_is_added(tmp_path: Path) -> None:
    tree = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", tree)

    def ids(format_name: str) -> dict[str, str]:
        text = graph(str(tree), "--format", format_name, "--no-findings")
        pattern = (r'^ +(\w+) \[label="([^"]*)"' if format_name == "dot"
                   else r'^ +(\w+)(?:\["|\(\["|\[/"|\{\{")([^"]*)"')
        return {match.group(2): match.group(1) for line in text.splitlines()
                if (match := re.match(pattern, line)) and not match.group(1).startswith("legend")}

    before = {name: ids(name) for name in ("dot", "mermaid")}
    # an object sorted before the others, in a file read first: positional ids would all shift
    (tree / "aaa.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: aaa, namespace: shop}\n"
                                   "spec:\n  selector: {app: cart}\n  ports: [{port: 9000}]\n")
    for format_name, old in before.items():
        new = ids(format_name)
        assert len(new) == len(old) + 1
        assert all(new[label] == node_id for label, node_id in old.items()), format_name
        assert all(re.fullmatch(r"[A-Za-z]\w*", node_id) for node_id in new.values())


HOSTILE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "a\\"];\\nx -> y [label=\\"pwn"
  namespace: "ns\\"}subgraph"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata:
  name: "<b>html</b> | pipe ```end``` #quot; \\\\N \\\\l"
  namespace: "ns\\"}subgraph"
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: nope}]
---
apiVersion: v1
kind: Service
metadata:
  name: "end"
  namespace: "click x callback"
spec:
  selector: {app: none}
  ports: [{port: 80}]
"""


def test_hostile_names_cannot_break_out_of_their_labels(tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    for args in ((), ("--reach",)):
        dot = graph(str(path), "--format", "dot", *args)
        # every quoted string closes on its own line: no name adds a statement or an attribute
        for line in dot.splitlines():
            unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', 'Q', line)
            assert '"' not in unquoted and "x -> y" not in unquoted, line
            assert "=<" not in line or line.startswith("  legend ["), line  # no HTML-like label but ours
        if not args:  # the reach view draws workloads only
            assert '\\\\N' in dot and '\\"];\\nx -> y [label=\\"pwn' in dot
        mermaid = graph(str(path), "--format", "mermaid", *args)
        check_mermaid(mermaid.splitlines())
        assert "```" not in mermaid and "<b>" not in mermaid
        if not args:
            assert "#35;quot;" in mermaid and "#lt;b#gt;html" in mermaid
        markdown = graph(str(path), "--format", "markdown", *args)
        assert markdown.startswith("```mermaid\n") and markdown.count("```") == 2
        if HAS_DOT:
            done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60, check=False)
            assert done.returncode == 0 and b"pwn" in done.stdout, done.stderr


def test_markdown_is_the_mermaid_flowchart_in_a_fence() -> None:
    markdown = graph(str(EXAMPLES), "--format", "markdown")
    mermaid = graph(str(EXAMPLES), "--format", "mermaid")
    assert markdown == f"```mermaid\n{mermaid}```\n"


FAR = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: one}
spec:
  selector: {matchLabels: {app: a}}
  template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: "x:1"}]}}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: one}
spec: {selector: {app: a}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: one}
spec: {defaultBackend: {service: {name: a, port: {number: 80}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: two}
spec:
  selector: {matchLabels: {app: b}}
  template: {metadata: {labels: {app: b}}, spec: {containers: [{name: b, image: "x:1"}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-b, namespace: one}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: b}}}]}]
"""


def test_focus_and_namespace_filters(tmp_path: Path) -> None:
    path = tmp_path / "far.yaml"
    path.write_text(FAR)

    def names(*args: str) -> set[str]:
        document = json.loads(graph(str(path), "--format", "json", "--no-findings", *args))
        return {f"{node['kind']}/{node['namespace']}/{node['name']}" for node in document["nodes"]}

    everything = names()
    assert names("--focus", "Service/one/a") == {"Service/one/a", "Ingress/one/a", "Deployment/one/a"}
    assert names("--focus", "Ingress/one/a") == {"Ingress/one/a", "Service/one/a"}
    assert names("--focus", "Ingress/one/a", "--depth", "2") == {"Ingress/one/a", "Service/one/a",
                                                                 "Deployment/one/a"}
    assert names("--focus", "Ingress/one/a", "--depth", "9") == everything
    assert names("--focus", "two/b", "--depth", "0") == {"Deployment/two/b"}
    # namespace two: its objects and what its edges reach across the border (the policy admitting b)
    assert names("--namespace", "two") == {"Deployment/two/b", "NetworkPolicy/one/from-b"}
    result = CliRunner().invoke(cli, ["graph", str(path), "--focus", "one/aa"])
    assert result.exit_code == 2 and "did you mean" in result.output and "one/a" in result.output
    result = CliRunner().invoke(cli, ["graph", str(path), "--focus", "a"])
    assert result.exit_code == 2 and "names 3 objects" in result.output


OPEN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: open}
spec:
  selector: {matchLabels: {app: NAME}}
  template: {metadata: {labels: {app: NAME}}, spec: {containers: [{name: c, image: "x:1"}]}}
"""


def test_a_namespace_where_everything_reaches_everything_is_one_node(tmp_path: Path) -> None:
    path = tmp_path / "open.yaml"
    path.write_text("---\n".join(OPEN.replace("NAME", name) for name in ("a", "b", "c")))
    document = json.loads(graph(str(path), "--format", "json", "--reach"))
    assert [node["workloads"] for node in document["nodes"] if "workloads" in node] == [3]
    assert len(document["nodes"]) == 2  # the namespace and outside, instead of 3 workloads and 16 edges
    kinds = {(edge["source"].split(":")[0], edge["target"].split(":")[0]) for edge in document["edges"]}
    assert kinds == {("mesh", "mesh"), ("outside", "mesh"), ("mesh", "outside")}
    assert "all 3 workloads of open (each can reach each other)" in graph(str(path), "--reach")
    # a focus draws the workloads apart again
    focused = json.loads(graph(str(path), "--format", "json", "--reach", "--focus", "open/a"))
    assert "workloads" not in str(focused["nodes"]) and len(focused["nodes"]) == 4
    # one policy that sets one workload apart: no collapse, every edge is drawn
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: open}\n"
              "spec: {podSelector: {matchLabels: {app: a}}, policyTypes: [Ingress]}\n")
    path.write_text(path.read_text() + "---\n" + policy)
    document = json.loads(graph(str(path), "--format", "json", "--reach"))
    assert not any("workloads" in node for node in document["nodes"])


@needs_dot
def test_dot_output_renders_with_graphviz(broken: str) -> None:
    for paths in ((str(EXAMPLES),), (broken,)):
        for args in ((), ("--reach",)):
            dot = graph(*paths, "--format", "dot", *args)
            done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60, check=False)
            assert done.returncode == 0 and done.stdout.lstrip().startswith(b"<?xml"), done.stderr
            assert not done.stderr, done.stderr  # no warnings either


@needs_dot
def test_svg_and_png_formats(tmp_path: Path) -> None:
    svg = graph(str(EXAMPLES), "--format", "svg")
    assert "<svg" in svg and "ingress&#45;port&#45;mismatch" in svg
    out = tmp_path / "graph.png"
    graph(str(EXAMPLES), "--format", "png", "-o", str(out))
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_svg_without_graphviz_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(cli, ["graph", str(EXAMPLES), "--format", "svg"])
    assert result.exit_code == 2
    assert "needs Graphviz's dot on PATH" in result.output and "--format dot | dot -Tsvg" in result.output


@needs_dot
def test_the_committed_picture_of_the_example_app_is_current() -> None:
    """docs/graph-example.svg is what `kubelint graph examples/ --format svg` draws (regenerate it with that
    command, `-o docs/graph-example.svg`); another Graphviz version lays it out differently, so it is skipped."""
    committed = (EXAMPLES.parent / "docs" / "graph-example.svg").read_text(encoding="utf-8")
    made_by = re.search(r"Generated by graphviz version (\S+)", committed)
    installed = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=30, check=False).stderr
    if made_by is None or made_by.group(1) not in installed:
        pytest.skip(f"the picture was drawn by another Graphviz version than {installed.strip()}")
    assert graph(str(EXAMPLES), "--format", "svg") == committed, \
        "run `kubelint graph examples/ --format svg -o docs/graph-example.svg`"


def test_a_dependency_the_policies_deny_is_a_red_depends_edge(tmp_path: Path) -> None:
    from test_graphview import ROUTED

    path = tmp_path / "routed.yaml"
    path.write_text(ROUTED)
    document = json.loads(graph(str(path), "--format", "json", "--reach"))
    names = {node["id"]: node["name"] for node in document["nodes"]}
    depends = {(names[edge["source"]], names[edge["target"]]): edge["findings"]
               for edge in document["edges"] if edge["relation"] == "depends"}
    assert depends[("cart", "web")] == ["unreachable-dependency"]  # denied by cart's egress policy
    assert depends[("web", "cart")] == []  # allowed
    assert "depends 80, denied by egress policy [unreachable-dependency]" in graph(str(path), "--reach")


def test_picture_options_are_refused_where_they_mean_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["graph", str(EXAMPLES), "--why", "shop/frontend", "shop/cart", "--focus",
                                      "shop/cart"])
    assert result.exit_code == 2 and "--focus and --no-findings are for pictures" in result.output
    result = CliRunner().invoke(cli, ["graph", str(EXAMPLES), "--why", "shop/frontend", "shop/cart", "--format",
                                      "svg"])
    assert result.exit_code == 2 and "--why answers as text, markdown, json" in result.output


def test_an_edge_is_about_the_part_of_its_object_that_makes_it() -> None:
    from kubelint.views.edge_findings import covers, edge_scopes

    backend = ("spec", "rules", 0, "http", "paths", 0, "backend", "service", "name")
    scopes = edge_scopes("routes", backend, "selects", ("allows-from", "allows-to"))
    assert covers(scopes, (*backend[:-1], "port", "number")) and not covers(scopes, ("spec", "tls", 0))
    # a StatefulSet's spec.serviceName (governed-by) is not its whole spec: a claim's class is elsewhere
    governed = edge_scopes("governed-by", ("spec", "serviceName"), "selects", ("allows-from", "allows-to"))
    assert covers(governed, ("spec", "serviceName"))
    assert not covers(governed, ("spec", "volumeClaimTemplates", 0, "spec", "storageClassName"))
    old_backend = edge_scopes("routes", ("spec", "backend", "serviceName"), "selects", ())
    assert covers(old_backend, ("spec", "backend", "servicePort"))
    rule = edge_scopes("allows-from", ("spec", "ingress", 1, "from", 0), "selects", ("allows-from", "allows-to"))
    assert covers(rule, ("spec", "ingress", 1, "ports", 0, "port")) and not covers(rule, ("spec", "ingress", 0))
    selects = edge_scopes("selects", ("spec", "selector"), "selects", ())
    assert covers(selects, ("spec", "ports", 0, "targetPort")) and not covers(selects, ("spec", "type"))


def test_the_picture_draws_only_what_lint_reports(tmp_path: Path) -> None:
    """The picture puts plain-file folders together, but lint decides each folder apart: a claim that lint holds
    back (its folder defines no claim in the namespace, so they come from elsewhere) was drawn red, because the
    other folder's claim made the picture's tree look like one that defines them."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
        '      containers: [{name: web, image: "x:1"}]\n'
        "      volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]\n")
    (tmp_path / "b" / "pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: other, namespace: default}\n"
        "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n")
    lint = CliRunner().invoke(cli, ["lint", str(tmp_path), "-v"])
    assert "held back [missing-claim]" in lint.output
    document = json.loads(graph(str(tmp_path), "--format", "json"))
    assert not any(edge["findings"] for edge in document["edges"])
    assert not any(node["findings"] for node in document["nodes"])
