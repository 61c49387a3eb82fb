"""istio-not-exported: exportTo lists and the Service annotation, what counts as visible, the graph's label."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint import lint
from kubelint.analysis.istio import export_list, exported_to, mesh_bound
from kubelint.cli import cli
from kubelint.model.resource import ObjectRef, Resource
from kubelint.options import Options


def _resource(kind: str, raw: dict[str, object], group: str = "networking.istio.io") -> Resource:
    return Resource(ObjectRef(group, kind, "backend", "x"), f"{group}/v1" if group else "v1",
                    {"kind": kind, "metadata": {"name": "x", "namespace": "backend", **raw.get("metadata", {})},  # type: ignore[dict-item]
                     "spec": raw.get("spec", {})}, "x.yaml", {})


@pytest.mark.parametrize(("written", "namespace", "visible"), [
    (None, "frontend", True),  # the mesh's default
    (["."], "frontend", False),
    (["."], "backend", True),  # its own namespace always counts
    (["*"], "frontend", True),
    (["~"], "frontend", False),
    ([".", "frontend"], "frontend", True),
    (["other"], "frontend", False),
])
def test_exported_to(written: list[str] | None, namespace: str, visible: bool) -> None:
    rule = _resource("DestinationRule", {"spec": {} if written is None else {"exportTo": written}})
    assert exported_to(rule, namespace) is visible
    annotation = {} if written is None else {"networking.istio.io/exportTo": ", ".join(written)}
    service = _resource("Service", {"metadata": {"annotations": annotation}}, group="")
    assert export_list(service) == written
    assert exported_to(service, namespace) is visible


def test_mesh_bound() -> None:
    assert mesh_bound(_resource("VirtualService", {"spec": {}}))
    assert mesh_bound(_resource("VirtualService", {"spec": {"gateways": ["mesh", "istio-system/public"]}}))
    assert not mesh_bound(_resource("VirtualService", {"spec": {"gateways": ["istio-system/public"]}}))


TREE = """\
apiVersion: v1
kind: Service
metadata:
  name: ledger
  namespace: backend
  annotations: {networking.istio.io/exportTo: "."}
spec:
  ports: [{port: 8080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ledger, namespace: frontend}
spec:
  hosts: [ledger.backend.svc.cluster.local]
  http:
  - route:
    - destination: {host: ledger.backend.svc.cluster.local}
"""
POD = """\
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: frontend}
spec:
  containers: [{name: web, image: "example/web:1.0"}]
"""


def test_held_without_pods_in_the_namespace_and_drawn(tmp_path: Path) -> None:
    path = tmp_path / "mesh.yaml"
    path.write_text(TREE)
    report = lint([str(path)], Options())
    assert not [f for f in report.findings if f.rule == "istio-not-exported"]
    [held] = [f for f in report.held if f.rule == "istio-not-exported"]
    assert "no pods in namespace frontend" in held.held
    path.write_text(TREE + POD)
    [finding] = [f for f in lint([str(path)], Options()).findings if f.rule == "istio-not-exported"]
    assert finding.line == 17 and [related.line for related in finding.related] == [6]
    result = CliRunner().invoke(cli, ["graph", "--format", "json", "--no-findings", str(path)])
    edges = [edge for edge in json.loads(result.output)["edges"] if edge["relation"] == "routes-to"]
    assert [edge["ports"] for edge in edges] == [["not exported to frontend"]]
