"""Deployable units (issue 13, point 8): what is applied together, and what a unit may see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.cli import cli
from kubelint.config import ConfigError, load_config, to_options
from kubelint.engine import lint_tree
from kubelint.findings import Finding
from kubelint.loader import load_tree
from kubelint.model.units import UnitSpec, beside, helm_unit, resource_unit
from kubelint.options import Options
from rule_selection import best_practice_rules


def deployment(name: str, app: str, namespace: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}{ns}\nspec:\n  selector:\n"
            f"    matchLabels: {{app: {app}}}\n  template:\n    metadata:\n      labels: {{app: {app}}}\n"
            f"    spec:\n      containers:\n      - name: c\n        image: c:1\n")


def service(name: str, app: str, namespace: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}{ns}\nspec:\n  selector:\n"
            f"    app: {app}\n  ports:\n  - port: 80\n")


def lint(paths: list[Path], **options: object) -> list[Finding]:
    tree = load_tree([str(path) for path in paths], Options(disable=best_practice_rules(), **options))  # type: ignore[arg-type]
    return lint_tree(tree).findings


def by_rule(findings: list[Finding], rule: str) -> list[tuple[str, int]]:
    """(file name, line) of a rule's findings; a selector that selects nothing is reported at its label."""
    return sorted((Path(f.file).name, f.line) for f in findings if f.rule == rule)


def rook_like(root: Path) -> Path:
    """rook-examples in small: the kustomization names the OpenShift operator; operator.yaml is its
    alternative, cluster.yaml and cluster-test.yaml are alternatives, service.yaml goes on top."""
    examples = root / "examples"
    examples.mkdir(parents=True)
    (examples / "kustomization.yaml").write_text("namespace: rook-ceph\nresources:\n- operator-openshift.yaml\n")
    (examples / "operator-openshift.yaml").write_text(deployment("rook-ceph-operator", "rook-ceph-operator"))
    (examples / "operator.yaml").write_text(deployment("rook-ceph-operator", "rook-ceph-operator", "rook-ceph"))
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rook-config-override\n  namespace: rook-ceph\n"
    (examples / "cluster.yaml").write_text(config)
    (examples / "cluster-test.yaml").write_text(config + "data: {a: b}\n")
    (examples / "service.yaml").write_text(service("operator-metrics", "rook-ceph-operator", "rook-ceph"))
    (examples / "typo.yaml").write_text(service("operator-typo", "rook-ceph-operatr", "rook-ceph"))
    return examples


def test_files_a_kustomization_does_not_name_are_not_part_of_its_render(tmp_path: Path) -> None:
    examples = rook_like(tmp_path)
    tree = load_tree([str(examples)], Options())
    units = {resource_unit(r) for r in tree.resources}
    assert units == {f"kustomize:{examples}", *(f"file:{examples / name}" for name in (
        "operator.yaml", "cluster.yaml", "cluster-test.yaml", "service.yaml", "typo.yaml"))}
    findings = lint([examples])
    # alternatives and separate examples are never applied together: no duplicate
    assert by_rule(findings, "duplicate-object") == []
    # a plain file sees the pods of the render beside it (and still finds a selector that matches none)
    assert by_rule(findings, "orphan-service-selector") == [("typo.yaml", 8)]


def test_alternatives_are_each_checked_in_full(tmp_path: Path) -> None:
    # two variants of one Service: the second is not hidden behind the first (one object per name and tree)
    (tmp_path / "deploy.yaml").write_text(deployment("web", "web"))
    (tmp_path / "svc-a.yaml").write_text(service("web", "wbe"))
    (tmp_path / "svc-b.yaml").write_text(service("web", "webb"))
    findings = lint([tmp_path])
    assert by_rule(findings, "orphan-service-selector") == [("svc-a.yaml", 7), ("svc-b.yaml", 7)]
    assert by_rule(findings, "duplicate-object") == []


def test_a_plain_file_sees_the_units_of_its_folder_above_and_below_not_of_sibling_folders(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("namespace: shop\nresources: [deploy.yaml]\n")
    (app / "deploy.yaml").write_text(deployment("web", "web"))
    (tmp_path / "app-service.yaml").write_text(service("web", "web", "shop"))  # the render is in a subfolder
    other = tmp_path / "other"
    other.mkdir()
    (other / "deploy.yaml").write_text(deployment("worker", "worker", "shop"))
    (other / "service.yaml").write_text(service("web", "web", "shop"))  # app/ is a sibling: not seen
    findings = lint([tmp_path])
    assert by_rule(findings, "orphan-service-selector") == [("service.yaml", 8)]
    assert "nearest: Deployment worker" in next(f.message for f in findings if f.rule == "orphan-service-selector")


def test_a_rendered_root_does_not_see_the_plain_files_beside_it(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources: [service.yaml, worker.yaml]\n")
    (app / "service.yaml").write_text(service("web", "web"))
    (app / "worker.yaml").write_text(deployment("worker", "worker"))
    (app / "example-web.yaml").write_text(deployment("web", "web"))  # an example kustomize does not apply
    assert by_rule(lint([tmp_path]), "orphan-service-selector") == [("service.yaml", 7)]


def test_named_context_is_seen_by_every_unit(tmp_path: Path) -> None:
    install = tmp_path / "install"
    install.mkdir()
    (install / "operator.yaml").write_text(deployment("operator", "operator", "ops"))
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "service.yaml").write_text(service("operator", "operator", "ops"))
    (policies / "typo.yaml").write_text(service("operator-typo", "operatr", "ops"))
    findings = lint([policies], context=[str(install)])
    assert by_rule(findings, "orphan-service-selector") == [("typo.yaml", 8)]


def test_config_units_group_files_applied_together(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.yaml").write_text(service("web", "web"))
        (tmp_path / folder / "b.yaml").write_text(service("web", "web"))
    each_folder = UnitSpec(("*",), None, str(tmp_path))
    assert by_rule(lint([tmp_path], units=[each_folder]), "duplicate-object") == [("b.yaml", 4), ("b.yaml", 4)]
    together = UnitSpec(("one/a.yaml", "two"), "picked", str(tmp_path))
    tree = load_tree([str(tmp_path)], Options(units=[together]))
    assert sorted(resource_unit(r) for r in tree.resources) == [
        "config:picked", "config:picked", "config:picked", f"file:{tmp_path / 'one' / 'b.yaml'}"]
    assert sorted((Path(f.file).parent.name, Path(f.file).name) for f in lint([tmp_path], units=[together])
                  if f.rule == "duplicate-object") == [("two", "a.yaml"), ("two", "b.yaml")]


def test_units_in_the_configuration_file(tmp_path: Path) -> None:
    config = tmp_path / ".kubelint.yaml"
    config.write_text("units:\n  - manifests\n  - name: install\n    paths: [crds.yaml, operator.yaml]\n")
    options = to_options(load_config(str(config)))
    assert options.units == [UnitSpec(("manifests",), None, str(tmp_path)),
                             UnitSpec(("crds.yaml", "operator.yaml"), "install", str(tmp_path))]
    shown = CliRunner().invoke(cli, ["lint", "--config", str(config), "--show-config"]).output
    assert 'units: ["manifests", {"name": "install", "paths": ["crds.yaml", "operator.yaml"]}]' in shown


@pytest.mark.parametrize("text, where", [
    ("units: manifests\n", "units"),
    ("units:\n  - name: install\n", "units[0]"),
    ("units:\n  - paths: [a.yaml]\n", "units[0]"),
    ("units:\n  - name: x\n    paths: []\n", "units[0]"),
    ("units:\n  - ''\n", "units[0]"),
])
def test_broken_units_are_configuration_errors(tmp_path: Path, text: str, where: str) -> None:
    config = tmp_path / ".kubelint.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=rf"\.kubelint\.yaml:\d+:\d+: {where.replace('[', '.').replace(']', '')}"
                                          rf"|\.kubelint\.yaml:\d+:\d+: {where}"):
        load_config(str(config))


def helm_file(path: Path, template: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n# Source: {template}\n{body}")


SERVICE_ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: shop\n  namespace: shop\n"


def shop_release(out: Path) -> None:
    """What helm template --output-dir writes: one file per template, at its # Source path."""
    helm_file(out / "shop/templates/deployment.yaml", "shop/templates/deployment.yaml",
              deployment("shop", "shop", "shop").replace("    spec:\n", "    spec:\n      serviceAccountName: shop\n"))
    helm_file(out / "shop/templates/serviceaccount.yaml", "shop/templates/serviceaccount.yaml", SERVICE_ACCOUNT)
    helm_file(out / "shop/templates/service.yaml", "shop/templates/service.yaml", service("shop", "shop", "shop"))


def test_files_of_one_helm_release_are_one_unit(tmp_path: Path) -> None:
    shop_release(tmp_path / "out")
    shop_release(tmp_path / "out-staging")  # another release of the same chart: its own unit
    tree = load_tree([str(tmp_path)], Options())
    assert {resource_unit(r) for r in tree.resources} == {
        f"helm-release:{tmp_path / 'out'}:shop", f"helm-release:{tmp_path / 'out-staging'}:shop"}
    findings = lint([tmp_path])
    # the ServiceAccount and the pods are in other files of the same release
    assert [f for f in findings if f.rule in ("unknown-service-account", "orphan-service-selector",
                                              "duplicate-object")] == []
    # a second definition inside one release is a conflict
    helm_file(tmp_path / "out/shop/templates/serviceaccount-copy.yaml", "shop/templates/serviceaccount-copy.yaml",
              SERVICE_ACCOUNT)
    assert by_rule(lint([tmp_path]), "duplicate-object") == [("serviceaccount.yaml", 6)]


def test_a_helm_output_file_not_at_its_template_path_is_a_stream_of_its_own(tmp_path: Path) -> None:
    helm_file(tmp_path / "a.yaml", "shop/templates/sa.yaml", SERVICE_ACCOUNT)
    helm_file(tmp_path / "b.yaml", "shop/templates/sa.yaml", SERVICE_ACCOUNT)
    assert helm_unit(str(tmp_path / "a.yaml"), ["shop/templates/sa.yaml"]) == f"helm:{tmp_path / 'a.yaml'}"
    assert by_rule(lint([tmp_path]), "duplicate-object") == []  # two renders: alternatives


def test_beside_means_one_folder_or_one_inside_the_other() -> None:
    assert beside("/r/a", "/r/a") and beside("/r", "/r/a/b") and beside("/r/a/b", "/r")
    assert not beside("/r/a", "/r/b") and not beside("/r/a", "/r/ab")


def test_kubelint_graph_draws_plain_files_together_and_each_root_apart(tmp_path: Path) -> None:
    rook_like(tmp_path)
    result = CliRunner().invoke(cli, ["graph", "--format", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.output)["nodes"]
    units = {node.get("unit", "") for node in nodes}
    assert units == {"", str(tmp_path / "examples")}


def test_the_index_of_homes_finds_what_comparing_every_pair_finds() -> None:
    import random

    from kubelint.model.units import _Beside, beside

    rng = random.Random(7)
    names = ["a", "b", "ab", "a.b", "a-b", "c"]
    homes = {}
    for number in range(300):
        depth = rng.randrange(0, 4)
        homes[f"file:{number}"] = "/" + "/".join(rng.choice(names) for _ in range(depth)) if depth else "/"
    index = _Beside(homes)
    for home in set(homes.values()) | {"/a", "/a/b/c/d", "/zz"}:
        assert index.units(home) == [unit for unit in homes if beside(home, homes[unit])]
