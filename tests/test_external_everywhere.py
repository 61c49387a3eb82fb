"""Every reference rule consults the configuration's ``external`` entries through the one test
(:func:`kubelint.analysis.references.declared_reason`): each fixture folder's ``external.yaml`` marks a reference
``# declared external``, which its ``.fixture.yaml`` declares; without that entry the same line is a finding."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fixture_harness import Fixture, fixture_folders
from kubelint import lint
from kubelint.model.external import External
from kubelint.options import Options

WITH_EXTERNAL = [fixture for fixture in fixture_folders() if (fixture.folder / "external.yaml").exists()]
MARK = "# declared external"


def _declared_lines(fixture: Fixture) -> list[tuple[str, int]]:
    path = fixture.folder / "external.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(str(path), number) for number, line in enumerate(lines, start=1) if MARK in line]


def test_the_route_and_dependency_rules_have_external_fixtures() -> None:
    assert {fixture.rule for fixture in WITH_EXTERNAL} >= {
        "route-backend-not-found", "route-no-matching-parent", "gateway-invalid-certificate-ref",
        "istio-destination-not-found", "istio-gateway-not-found", "unreachable-dependency",
        "ingress-unknown-service", "orphan-hpa-target", "statefulset-missing-service"}


@pytest.mark.parametrize("fixture", WITH_EXTERNAL, ids=[fixture.rule for fixture in WITH_EXTERNAL])
def test_the_declared_reference_is_a_finding_without_its_external_entry(fixture: Fixture) -> None:
    declared = _declared_lines(fixture)
    assert declared, f"fixtures/{fixture.rule}/external.yaml marks no '{MARK}' line"
    assert fixture.options.get("external"), f"fixtures/{fixture.rule}/.fixture.yaml declares nothing"
    with_entries = fixture.actual()
    without = dataclasses.replace(fixture, options={**fixture.options, "external": []}).actual()
    for line in declared:
        assert with_entries[line] == 0
        assert without[line] == 1, f"{line} is not a finding even without the external entry"


GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: shop}
spec:
  gatewayClassName: example
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: edge}, {name: shared}]
  rules:
  - backendRefs: [{name: web, port: 80}, {name: auth, port: 80}]
"""


def test_a_namespace_entry_declares_every_object_in_it(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(GATEWAY)
    rules = ["route-backend-not-found", "route-no-matching-parent"]

    def found(*external: External) -> list[str]:
        report = lint([str(path)], Options(enable=rules, external=list(external)))
        return sorted(f.rule for f in report.findings if f.rule in rules)

    assert found() == rules
    assert found(External(namespaces=("shop",))) == []
    assert found(External(kinds=("Service",), namespaces=("shop",))) == ["route-no-matching-parent"]


def test_the_graph_says_which_targets_are_declared(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kubelint.cli import cli

    path = tmp_path / "routes.yaml"
    path.write_text(GATEWAY)
    config = tmp_path / "external.yaml"
    config.write_text("external:\n  - {kind: Gateway, name: shared, namespace: shop, reason: the platform edge}\n")
    plain = CliRunner().invoke(cli, ["graph", str(path)])
    declared = CliRunner().invoke(cli, ["graph", "--config", str(config), str(path)])
    assert plain.exit_code == declared.exit_code == 0
    # the graph draws findings on their edges: the undeclared Gateway's edge carries the rule, the declared one not
    assert ("--attaches-to not in the tree [route-no-matching-parent]--> Gateway shared (shop) (not in the tree)"
            in plain.output)
    assert ("--attaches-to not in the tree, declared by the configuration's external entry kind=Gateway name=shared "
            "namespace=shop (the platform edge)--> Gateway shared (shop) (not in the tree)") in declared.output
    assert ("--routes-to 80, not in the tree [route-backend-not-found]--> Service auth (shop) (not in the tree)"
            in declared.output)
