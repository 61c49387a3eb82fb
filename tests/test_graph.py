"""The resource graph: typed edges, dangling references, the workload table, severities, laziness."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelint.analysis.graph import GOVERNED_BY, PROTECTS, ROUTES, SCALES, SELECTS, USES, build_graph
from kubelint.engine import lint_tree
from kubelint.findings import Severity
from kubelint.loader import load_tree
from kubelint.model.resource import ObjectRef
from kubelint.model.tree import Tree
from kubelint.model.workloads import parse_workload
from kubelint.options import Options

TREE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
        envFrom: [{configMapRef: {name: web-env}}, {secretRef: {name: web-secret, optional: true}}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
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
  rules:
  - http:
      paths:
      - {path: /x, pathType: Prefix, backend: {service: {name: gone, port: {name: http}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres}]
"""


NETPOL_TREE = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: shop, labels: {app: job}}
spec:
  containers:
  - name: job
    image: busybox
    env:
    - {name: A, valueFrom: {configMapKeyRef: {name: settings, key: a}}}
    - {name: B, valueFrom: {secretKeyRef: {name: token, key: b}}}
    - {name: C, valueFrom: {configMapKeyRef: {name: settings, key: c}}}
---
"""


def _tree(tmp_path: Path, text: str, options: Options | None = None) -> Tree:
    (tmp_path / "tree.yaml").write_text(textwrap.dedent(text))
    return load_tree([str(tmp_path)], options or Options())


def test_typed_edges(tmp_path: Path) -> None:
    graph = build_graph(_tree(tmp_path, TREE))
    web = ObjectRef("apps", "Deployment", "shop", "web")
    service = ObjectRef("", "Service", "shop", "web")
    edges = {(e.source, e.target, e.relation) for e in graph.edges()}
    assert (service, web, SELECTS) in edges
    assert (ObjectRef("networking.k8s.io", "Ingress", "shop", "web"), service, ROUTES) in edges
    assert (ObjectRef("autoscaling", "HorizontalPodAutoscaler", "shop", "web"), web, SCALES) in edges
    assert (ObjectRef("policy", "PodDisruptionBudget", "shop", "web"), web, PROTECTS) in edges
    assert (ObjectRef("apps", "StatefulSet", "shop", "db"), ObjectRef("", "Service", "shop", "db"),
            GOVERNED_BY) in edges
    uses = {(e.target.kind, e.target.name, e.data["optional"]) for e in graph.edges(USES, source=web)}
    assert uses == {("ServiceAccount", "web", False), ("ConfigMap", "web-env", False),
                    ("Secret", "web-secret", True), ("PersistentVolumeClaim", "data", False)}


def test_dangling_references_are_nodes_without_a_resource(tmp_path: Path) -> None:
    graph = build_graph(_tree(tmp_path, TREE))
    gone = ObjectRef("", "Service", "shop", "gone")
    assert gone in graph
    assert graph.resource(gone) is None
    assert graph.resource(ObjectRef("", "Service", "shop", "web")) is not None
    [edge] = [e for e in graph.edges(ROUTES) if e.target == gone]
    assert edge.data["port"] == "http"
    assert edge.path[-1] == "name"


def test_graph_is_built_once(tmp_path: Path) -> None:
    tree = _tree(tmp_path, TREE)
    assert build_graph(tree) is build_graph(tree)


CUSTOM = """
apiVersion: db.example.com/v1
kind: Database
metadata: {name: orders}
spec:
  pods: {labels: {team: shop}}
---
apiVersion: v1
kind: Service
metadata: {name: orders}
spec:
  selector: {app: database, database: orders, team: shop, shard: "3"}
  ports: [{port: 5432}]
"""


OTHER_POD = """
---
apiVersion: v1
kind: Pod
metadata: {name: other, labels: {app: other}}
spec: {containers: [{name: a, image: a}]}
"""


def test_config_workloads_extend_the_table(tmp_path: Path) -> None:
    entry = parse_workload({
        "apiVersion": "db.example.com/v1", "kind": "Database", "labels": "spec.pods.labels",
        "addedLabels": {"app": "database", "database": "{name}", "shard": None},
    })
    options = Options(enable=["orphan-service-selector"], disable=["all"], workloads=[entry])
    tree = _tree(tmp_path, CUSTOM + OTHER_POD, options)
    assert [f.rule for f in lint_tree(tree).findings] == []
    selected = build_graph(tree).selected[ObjectRef("", "Service", "default", "orders")]
    assert [g.owner.name for g in selected] == ["orders"]


def test_a_custom_resource_named_in_the_selector_holds_the_finding_back(tmp_path: Path) -> None:
    # kubelint does not know Database creates pods, but the selector names it (database: orders): its
    # operator may, so the finding is held back with that reason (-v lists it)
    options = Options(enable=["orphan-service-selector"], disable=["all"])
    report = lint_tree(_tree(tmp_path, CUSTOM + OTHER_POD, options))
    assert report.findings == []
    [held] = report.held
    assert held.rule == "orphan-service-selector"
    assert "Database orders" in held.held and "database" in held.held


def test_a_custom_resource_not_named_in_the_selector_is_no_evidence(tmp_path: Path) -> None:
    options = Options(enable=["orphan-service-selector"], disable=["all"])
    text = CUSTOM.replace("database: orders", "database: payments") + OTHER_POD
    report = lint_tree(_tree(tmp_path, text, options))
    assert [f.rule for f in report.findings] == ["orphan-service-selector"]
    assert report.held == []


@pytest.mark.parametrize("raw", [
    {"kind": "X"},
    {"apiVersion": "x/v1", "kind": "X"},
    {"apiVersion": "x/v1", "kind": "X", "labels": "spec..labels"},
    {"apiVersion": "x/v1", "kind": "X", "labels": "spec.labels", "addedLabels": {"a": 1}},
    ["not", "a", "mapping"],
])
def test_bad_workload_entries_are_refused_with_a_message(raw: object) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_workload(raw)


def test_uncertain_cases_are_one_severity_lower(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web, labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        ports: [{name: http, containerPort: 8080}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec:
      selector: {app: web}
      ports: [{name: a, port: 80, targetPort: htp}, {name: b, port: 81, targetPort: 9999}]
    """
    report = lint_tree(_tree(tmp_path, text, Options(enable=["service-target-port-mismatch"], disable=["all"])))
    severities = [(f.message.split()[1], f.severity) for f in report.findings]
    assert severities == [("'htp'", Severity.ERROR), ("9999", Severity.WARNING)]


GARBAGE = """
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {selector: [1, 2], ports: {port: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec: {selector: {app: null, n: 3}, ports: [null, {targetPort: [1]}, {port: true}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: c}
spec: {defaultBackend: {service: {name: 3, port: [1]}}, rules: [null, {http: {paths: [{backend: 7}]}}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: d}
spec: {scaleTargetRef: [1]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: e}
spec: {selector: {matchExpressions: [{key: a, operator: Bogus}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: f}
spec:
  selector: "app=f"
  template:
    metadata: {labels: [a]}
    spec:
      serviceAccountName: 7
      volumes: [null, {configMap: 1}, {projected: {sources: [1, {secret: []}]}}]
      containers: [null, {name: x, ports: [{containerPort: "80"}], readinessProbe: {httpGet: {port: null}},
                   env: [{valueFrom: {secretKeyRef: {name: [1]}}}]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: g}
spec: {serviceName: [], template: 3}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: h}
spec: {podMetadata: {labels: [x]}, serviceAccountName: {a: b}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: i}
spec: {template: [1]}
"""


def test_malformed_objects_never_raise(tmp_path: Path) -> None:
    report = lint_tree(_tree(tmp_path, GARBAGE, Options(enable=["all"])))
    assert report.objects == 9


def test_edges_come_in_networkx_order_and_convert_to_networkx(tmp_path: Path, monkeypatch: Any) -> None:
    """The plain indexes yield edges in the order a networkx MultiDiGraph fed the same nodes and edges
    would (sources in node order, then targets as first met): views and findings keep their order."""
    import networkx as nx

    from kubelint.analysis.graph import ResourceGraph
    from kubelint.analysis.netpol import build_network

    added: list[tuple[ObjectRef, ObjectRef, str]] = []
    original = ResourceGraph.add_edge

    def recording(self: ResourceGraph, source: ObjectRef, target: ObjectRef, relation: str, path: Any,
                  **data: Any) -> None:
        added.append((source, target, relation))
        original(self, source, target, relation, path, **data)

    monkeypatch.setattr(ResourceGraph, "add_edge", recording)
    tree = _tree(tmp_path, NETPOL_TREE + TREE)
    graph = build_graph(tree)
    build_network(tree).add_edges()  # NetworkPolicy edges come last but belong to earlier nodes
    expected = nx.MultiDiGraph()
    for resource in tree.resources:
        expected.add_node(resource.ref)
    for source, target, relation in added:
        expected.add_edge(source, target, relation=relation)
    order = [(e.source, e.target, e.relation) for e in graph.edges()]
    assert order == list(expected.edges(data="relation"))
    assert len({relation for _, _, relation in order}) >= 5
    converted = graph.to_networkx()
    assert list(converted.nodes) == list(expected.nodes)
    assert [(a, b, d["relation"]) for a, b, d in converted.edges(data=True)] == order
    assert converted.nodes[ObjectRef("", "Service", "shop", "gone")]["resource"] is None


def test_linting_does_not_import_networkx(tmp_path: Path) -> None:
    """The relationship checks run on plain indexes: networkx is for views, not for linting."""
    (tmp_path / "tree.yaml").write_text(textwrap.dedent(NETPOL_TREE + TREE))
    code = ("import sys; from kubelint.engine import lint_paths; from kubelint.options import Options; "
            f"report = lint_paths([{str(tmp_path)!r}], Options(enable=['all'], cache=False)); "
            "print(len(report.findings) > 0, 'networkx' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "False"]


def test_registering_the_checks_does_not_import_networkx() -> None:
    code = "import sys, kubelint.checks as c; c.registry(); print('networkx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_orphan_messages_point_to_the_nearest_pods(tmp_path: Path) -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web, labels: {app: web, tier: frontend}}
    spec: {containers: [{name: web, image: nginx}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: api, namespace: staging, labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: typo}
    spec: {selector: {app: wbe, tier: frontend}, ports: [{port: 80}]}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: api}
    spec: {selector: {app: api}, ports: [{port: 80}]}
    """
    report = lint_tree(_tree(tmp_path, text, Options(enable=["orphan-service-selector"], disable=["all"])))
    typo, api = report.findings
    assert typo.message.endswith("nearest: Pod web has app=web")
    assert typo.related[0].line == 4
    assert "Pod api in namespace staging" in api.message


spec_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 70000) | st.sampled_from(["", "None", "http", "web", "8080", "x"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["selector", "matchLabels", "matchExpressions", "key", "operator", "values", "ports",
                         "port", "targetPort", "name", "number", "template", "metadata", "labels", "spec",
                         "containers", "service", "backend", "rules", "http", "paths", "scaleTargetRef",
                         "serviceName", "clusterIP", "volumes", "secret", "configMap", "env", "valueFrom",
                         "readinessProbe", "httpGet", "podMetadata", "serviceAccountName", "type", "In",
                         "defaultBackend", "jobTemplate", "initContainers", "restartPolicy", "protocol"]),
        children, max_size=4),
    max_leaves=25,
)

KINDS = [("v1", "Service"), ("networking.k8s.io/v1", "Ingress"), ("apps/v1", "Deployment"), ("v1", "Pod"),
         ("policy/v1", "PodDisruptionBudget"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
         ("apps/v1", "StatefulSet"), ("batch/v1", "CronJob"), ("monitoring.coreos.com/v1", "Prometheus"),
         ("argoproj.io/v1alpha1", "Rollout"), ("v1", "ReplicationController")]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), spec_values), min_size=1, max_size=6))
def test_random_specs_never_raise(objects: list[tuple[tuple[str, str], object]]) -> None:
    import json
    import tempfile

    documents = [json.dumps({"apiVersion": api_version, "kind": kind, "metadata": {"name": f"o{index}",
                                                                                    "labels": {"app": "x"}},
                             "spec": spec})
                 for index, ((api_version, kind), spec) in enumerate(objects)]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "tree.yaml").write_text("\n---\n".join(documents))
        report = lint_tree(load_tree([folder], Options(enable=["all"])))
    assert report.objects == len(objects)


DUPLICATED_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: guestbook}}
  template:
    metadata: {labels: {app: guestbook}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: frontend}
  ports: [{port: 80}]
"""


def test_every_definition_of_a_duplicated_object_creates_pods(tmp_path: Path) -> None:
    # Two folders of alternatives define Deployment web differently; the Service selects the second.
    options = Options(enable=["orphan-service-selector", "duplicate-object"], disable=["all"])
    report = lint_tree(_tree(tmp_path, DUPLICATED_DEPLOYMENT, options))
    assert [(f.rule, f.line) for f in report.findings] == [("duplicate-object", 14)]
