"""BackendTLSPolicy: targets (backend-tls-policy-target-not-found), CA ConfigMaps (missing-configmap), the graph's
``secures`` edges and the configuration's ``external`` entries."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kubelint import lint
from kubelint.cli import cli
from kubelint.model.external import External
from kubelint.options import Options

TREE = """\
apiVersion: v1
kind: Service
metadata: {name: auth, namespace: shop}
spec:
  selector: {app: auth}
  ports: [{name: https, port: 443}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: auth, namespace: shop}
spec:
  targetRefs:
  - {group: "", kind: Service, name: auth, sectionName: https}
  - {group: "", kind: Service, name: vault}
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: auth-ca}]
    hostname: auth.shop.svc
"""
RULES = ["backend-tls-policy-target-not-found", "missing-configmap"]


def _found(path: str, *external: External) -> list[tuple[str, int]]:
    report = lint([path], Options(namespace="shop", external=list(external)))
    return sorted((f.rule, f.line) for f in report.findings if f.rule in RULES)


def test_targets_and_ca_configmaps_resolve_or_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "tls.yaml"
    path.write_text(TREE)
    # Service vault is not defined; ConfigMap auth-ca neither (the tree defines no ConfigMap in shop: held back)
    assert _found(str(path)) == [("backend-tls-policy-target-not-found", 14)]
    assert _found(str(path), External(kinds=("Service",), names=("vault",))) == []
    with_ca = TREE + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: shop}\n"
    path.write_text(with_ca)
    assert _found(str(path)) == [("backend-tls-policy-target-not-found", 14), ("missing-configmap", 16)]
    assert _found(str(path), External(namespaces=("shop",))) == []


def test_the_graph_draws_secures_edges(tmp_path: Path) -> None:
    path = tmp_path / "tls.yaml"
    path.write_text(TREE)
    result = CliRunner().invoke(cli, ["graph", "--format", "json", "--no-findings", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    names = {node["id"]: node["name"] for node in document["nodes"]}
    secures = sorted((names[edge["target"]], tuple(edge["ports"])) for edge in document["edges"]
                     if edge["relation"] == "secures")
    assert secures == [("auth", ("https",)), ("vault", ("not in the tree",))]
