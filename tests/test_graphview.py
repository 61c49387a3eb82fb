"""`kubelint graph`: the outputs are well-formed and show the tree's edges and reach."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from mermaid_check import check_mermaid

from kubelint.cli import cli

TREE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: x, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "db\\"1", namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: x, ports: [{containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-to-db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: http}]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
"""


@pytest.fixture
def tree_file(tmp_path: Path) -> str:
    path = tmp_path / "tree.yaml"
    path.write_text(TREE)
    return str(path)


def graph(*args: str) -> str:
    result = CliRunner().invoke(cli, ["graph", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_graph_has_the_edges_of_the_tree(tree_file: str) -> None:
    document = json.loads(graph(tree_file, "--format", "json"))
    ids = [node["id"] for node in document["nodes"]]
    assert len(ids) == len(set(ids))
    assert all(edge["source"] in ids and edge["target"] in ids for edge in document["edges"])
    edges = {(edge["source"].split("/", 1)[-1], edge["relation"], edge["target"].split("/", 1)[-1],
              tuple(edge["ports"])) for edge in document["edges"]}
    assert edges == {
        ("Service/web", "selects", "Deployment/web", ("TCP/80->http",)),
        ("Ingress/web", "routes", "Service/web", ("80",)),
        ("NetworkPolicy/deny-all", "isolates", "Deployment/web", ("egress", "ingress")),
        ("NetworkPolicy/deny-all", "isolates", 'Deployment/db"1', ("egress", "ingress")),
        ("NetworkPolicy/web-to-db", "isolates", 'Deployment/db"1', ("ingress",)),
        # traffic direction: from the admitted peer to the policy (whose pods receive it)
        ("Deployment/web", "allows-from", "NetworkPolicy/web-to-db", ("TCP/5432",)),
        ("NetworkPolicy/web", "isolates", "Deployment/web", ("egress", "ingress")),
        ("NetworkPolicy/web", "allows-to", 'Deployment/db"1', ("all",)),
        # a rule without `from` admits every source, outside the tree too
        ("outside", "allows-from", "NetworkPolicy/web", ("TCP/http",)),
    }


def test_reach_after_all_policies(tree_file: str) -> None:
    document = json.loads(graph(tree_file, "--format", "json", "--reach"))
    names = {node["id"]: node["name"] for node in document["nodes"]}
    reach = {(names[edge["source"]], names[edge["target"]], tuple(edge["ports"])) for edge in document["edges"]}
    # web may reach db on 5432 (web's egress allows all ports to db, db admits 5432 from web);
    # anything may reach web on its named port http (8080); nothing else gets through the default deny.
    # web's own egress only goes to db, so web pods cannot reach each other.
    assert reach == {("web", 'db"1', ("TCP/5432",)), ("outside", "web", ("TCP/http (8080)",))}
    text = graph(tree_file, "--reach")
    assert text.splitlines()[0].split() == ["from", "to", "ports"]
    assert len(text.splitlines()) == len(reach) + 1


def test_dot_is_well_formed_and_escapes_quotes(tree_file: str) -> None:
    for args in ((), ("--reach",)):
        lines = graph(tree_file, "--format", "dot", *args).splitlines()
        assert lines[0] == "digraph kubelint {" and lines[-1] == "}"
        quoted = r'"(?:[^"\\]|\\.)*"'
        attribute = rf'\w+=(?:{quoted}|[\w.]+)'
        node = re.compile(rf"^ +\w+ \[{attribute}(, {attribute})*\];$")
        edge = re.compile(rf"^ +\w+ -> \w+ \[{attribute}(, {attribute})*\];$")
        setting = re.compile(rf"^ +(\w+=(?:{quoted}|[\w.]+); ?)+$|^ +(node|edge) \[.*\];?( edge \[.*\];)?$")
        group = re.compile(r"^ +(subgraph cluster_\w+ \{|\})$")
        legend = re.compile(r"^  legend \[shape=plaintext, fontsize=9, label=<<table .*</table>>\];$")
        body = lines[1:-1]
        matched = (node, edge, setting, group, legend)
        assert body and all(any(pattern.match(line) for pattern in matched) for line in body), \
            [line for line in body if not any(pattern.match(line) for pattern in matched)]
        assert sum(line.count("{") for line in lines) == sum(line.count("}") for line in lines)
        assert any('db\\"1' in line for line in body)


def test_mermaid_is_well_formed(tree_file: str) -> None:
    for args in ((), ("--reach",)):
        lines = graph(tree_file, "--format", "mermaid", *args).splitlines()
        check_mermaid(lines)
        assert any("#quot;" in line for line in lines)


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["graph", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_units_are_subgraphs() -> None:
    from kubelint.views.graph import Link, Node, View, render

    view = View()
    for unit in ("overlays/dev", "overlays/prod"):
        node_id = f"shop/Deployment/web@{unit}"
        view.nodes[node_id] = Node(node_id, "Deployment", "shop", "web", unit=unit)
        view.nodes[f"svc@{unit}"] = Node(f"svc@{unit}", "Service", "shop", "web", unit=unit)
        view.links.append(Link(f"svc@{unit}", node_id, "selects", ["TCP/80"]))
    mermaid = render(view, "mermaid").splitlines()
    check_mermaid(mermaid)
    assert mermaid[1].startswith("  subgraph unit_") and mermaid[1].endswith('["overlays/dev"]')
    assert mermaid[2].startswith("    subgraph ns_") and mermaid[2].endswith('["namespace shop"]')
    assert mermaid[3].startswith("      Deployment_shop_web_")
    # the same object in two units: two nodes, two ids
    assert len({line.split("[")[0] for line in mermaid if "Deployment_shop_web_" in line and "[" in line}) == 2
    dot = render(view, "dot")
    assert dot.count("subgraph cluster_unit_") == 2 and 'label="overlays/prod";' in dot
    assert dot.count("subgraph cluster_ns_") == 2 and 'label="namespace shop";' in dot
    assert dot.count("{") == dot.count("}")


ROUTED = """\
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
        image: x
        ports: [{name: http, containerPort: 8080}]
        env: [{name: CART_ADDR, value: "cart:7070"}, {name: SELF, value: "http://web.shop.svc"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
      - name: cart
        image: x
        ports: [{containerPort: 7070}]
        env:
        - {name: WEB_URL, value: "http://web.shop.svc.cluster.local:80/api"}
        - {name: APEX, value: "apex.shop:80"}
        - {name: API, value: "https://kubernetes.default.svc"}
        - {name: LEDGER, value: "http://ledger.books.svc:8080"}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{port: 7070}]
---
apiVersion: v1
kind: Service
metadata: {name: apex, namespace: shop}
spec:
  selector: {app: apex}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cart, namespace: shop}
spec:
  podSelector: {matchLabels: {app: cart}}
  policyTypes: [Egress]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: shop}
spec:
  gatewayClassName: example
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: edge}, {name: edge, sectionName: https}]
  rules:
  - backendRefs: [{name: web, port: 80}, {name: webb, port: 80}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  gateways: [mesh, shop/mesh-gateway]
  http:
  - route: [{destination: {host: cart, port: {number: 7070}}}]
"""


def test_routes_are_edges_with_ports_and_say_what_does_not_resolve(tmp_path: Path) -> None:
    path = tmp_path / "routed.yaml"
    path.write_text(ROUTED)
    document = json.loads(graph(str(path), "--format", "json"))
    names = {node["id"]: f"{node['kind']}/{node['name']}" for node in document["nodes"]}
    edges = {(names[edge["source"]], edge["relation"], names[edge["target"]], tuple(edge["ports"]))
             for edge in document["edges"] if edge["relation"] in ("attaches-to", "routes-to")}
    assert edges == {
        ("HTTPRoute/web", "attaches-to", "Gateway/edge", ("http:80",)),
        ("HTTPRoute/web", "attaches-to", "Gateway/edge", ("NoMatchingParent",)),
        ("HTTPRoute/web", "routes-to", "Service/web", ("80",)),
        ("HTTPRoute/web", "routes-to", "Service/webb", ("80", "not in the tree")),
        ("VirtualService/cart", "routes-to", "Service/cart", ("7070",)),
        ("VirtualService/cart", "attaches-to", "Gateway/mesh-gateway", ("not in the tree",)),
    }
    text = graph(str(path))
    assert "HTTPRoute web (shop) --routes-to 80--> Service web (shop)" in text
    assert "Service web (shop) --selects TCP/80->http--> Deployment web (shop)" in text


def test_reach_marks_declared_dependencies_and_whether_they_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "routed.yaml"
    path.write_text(ROUTED)
    document = json.loads(graph(str(path), "--format", "json", "--reach"))
    names = {node["id"]: node["name"] for node in document["nodes"]}
    depends = {(names[edge["source"]], names[edge["target"]], tuple(edge["ports"]))
               for edge in document["edges"] if edge["relation"] == "depends"}
    # web's own address (SELF) is no dependency; cart's egress is denied by its policy
    assert depends == {("web", "cart", ("7070", "allowed")), ("cart", "web", ("80", "denied by egress policy")),
                       ("cart", "apex", ("80", "the Service selects no pods of the tree")),
                       ("cart", "kubernetes", ("443", "the API server")),
                       ("cart", "ledger", ("8080", "Service not in the tree (may be applied from elsewhere)"))}
    assert "depends 80, denied by egress policy" in graph(str(path), "--reach")
