"""Schema validation: target versions, strictness, schema folders, kustomize patches, messages, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fixture_harness import FIXTURES
from kubelint.cli import cli
from kubelint.engine import lint_tree
from kubelint.findings import Finding
from kubelint.loader import load_tree
from kubelint.options import Options
from kubelint.schema import builtin, deprecations
from kubelint.schema.crd import to_json_schema
from kubelint.schema.errors import did_you_mean
from kubelint.schema.store import store_for

SCHEMA_RULES = ["schema-invalid", "yaml-implicit-type", "deprecated-api", "removed-api", "unknown-kind"]


def lint(path: Path | str, **options: object) -> list[Finding]:
    report = lint_tree(load_tree([str(path)], Options(enable=list(SCHEMA_RULES), **options)))  # type: ignore[arg-type]
    return report.findings


def lines_of(findings: list[Finding], rule: str) -> list[int]:
    return sorted(f.line for f in findings if f.rule == rule)


def line_of(path: Path, needle: str, after: str = "") -> int:
    """The 1-based line of the first ``needle`` after the line holding ``after``."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def test_versions_shipped_cover_1_25_to_newest() -> None:
    versions = builtin.available_versions()
    assert {"1.25", "1.30", "1.37"} <= set(versions)
    assert [builtin.version_key(v) for v in versions] == sorted(builtin.version_key(v) for v in versions)
    assert builtin.resolve_version(None) == versions[-1]
    assert builtin.resolve_version("v1.30.4") == "1.30"
    with pytest.raises(builtin.SchemaError, match="choose one of"):
        builtin.resolve_version("1.99")


def test_deprecated_fixture_at_the_newest_version_is_removed_api() -> None:
    """The 1.25 fixture read at 1.37: what was deprecated is gone, and Endpoints is now deprecated."""
    path = FIXTURES / "deprecated-api" / "at-1.25.yaml"
    found = lint(path, kubernetes_version="1.37")
    assert lines_of(found, "deprecated-api") == [line_of(path, "apiVersion: v1", after="kind: CronJob")]
    assert lines_of(found, "removed-api") == sorted([
        line_of(path, "autoscaling/v2beta2"), line_of(path, "storage.k8s.io/v1beta1"),
        line_of(path, "flowcontrol.apiserver.k8s.io/v1beta2"), line_of(path, "batch/v1beta1")])
    assert not lines_of(found, "schema-invalid")


def test_removed_fixture_at_1_25() -> None:
    """At 1.25 the 1.26+ removals are deprecations, and APIs added later are not served yet."""
    path = FIXTURES / "removed-api" / "removed.yaml"
    found = lint(path, kubernetes_version="1.25")
    assert lines_of(found, "removed-api") == sorted([
        line_of(path, "extensions/v1beta1"), line_of(path, "apiVersion: policy/v1beta1"),
        line_of(path, "apiVersion: policy/v1beta1", after="kind: PodDisruptionBudget"), line_of(path, "batch/v1beta1")])
    assert lines_of(found, "deprecated-api") == [line_of(path, "autoscaling/v2beta2")]
    not_served = [f for f in found if f.rule == "schema-invalid"]
    assert [f.line for f in not_served] == [line_of(path, "kind: FlowSchema"), line_of(path, "kind: ResourceClass")]
    assert "served from Kubernetes 1.26 on" in not_served[0].message
    messages = {f.message for f in found if f.rule == "removed-api"}
    assert "extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1" in messages


def test_removal_found_from_the_shipped_schemas() -> None:
    verdict = deprecations.status("resource.k8s.io/v1alpha2", "ResourceClass", "1.37")
    assert verdict is not None and verdict.removed
    assert "removed in Kubernetes 1.31" in verdict.message
    assert deprecations.status("resource.k8s.io/v1alpha2", "ResourceClass", "1.30") is None
    assert deprecations.status("apps/v1", "Deployment", "1.37") is None


def test_messages_are_plain_and_located() -> None:
    path = FIXTURES / "schema-invalid" / "deployment.yaml"
    found = {f.line: f for f in lint(path) if f.rule == "schema-invalid"}
    typo = found[line_of(path, "replica: 3")]
    assert typo.message == 'spec.replica: unknown field "replica"; did you mean "replicas"?'
    assert typo.location.path == ("spec", "replica")
    assert found[line_of(path, "revisionHistoryLimit")].message == (
        'spec.revisionHistoryLimit: expected integer, got string "5"')
    assert "not a valid quantity" in found[line_of(path, "128mb")].message
    assert found[line_of(path, "port: [8080]")].message.endswith("expected string or integer, got a sequence")


def test_no_strict_allows_unknown_fields_only() -> None:
    path = FIXTURES / "schema-invalid" / "deployment.yaml"
    strict = lint(path)
    relaxed = lint(path, strict=False)
    assert any("unknown field" in f.message for f in strict)
    assert not any("unknown field" in f.message for f in relaxed)
    assert line_of(path, "revisionHistoryLimit") in lines_of(relaxed, "schema-invalid")


def test_one_problem_per_error_and_misspelt_required_field_once() -> None:
    path = FIXTURES / "schema-invalid" / "crd.yaml"
    found = [f for f in lint(path) if f.rule == "schema-invalid"]
    assert len({(f.line, f.message) for f in found}) == len(found)
    assert not any('missing required field "schedule"' in f.message for f in found)


def test_yaml_implicit_type_names_what_kubernetes_reads() -> None:
    path = FIXTURES / "yaml-implicit-type" / "implicit.yaml"
    found = {f.line: f.message for f in lint(path) if f.rule == "yaml-implicit-type"}
    assert "`yes` is read as the boolean true" in found[line_of(path, "enabled: yes")]
    assert "`0755` is read as the number 493" in found[line_of(path, "mode: 0755")]
    assert not lines_of(lint(path), "schema-invalid")


def test_schema_location_folder(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "additionalProperties": False,
                                                        "properties": {"size": {"type": "integer"}}}}}
    (tmp_path / "schemas" / "example.com").mkdir(parents=True)
    (tmp_path / "schemas" / "example.com" / "widget_v1.json").write_text(json.dumps(schema))
    (tmp_path / "schemas" / "gadget_v1.json").write_text(json.dumps(schema))
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "w.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n---\n"
        "apiVersion: other.io/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n  colour: red\n---\n"
        "apiVersion: other.io/v1\nkind: Gizmo\nmetadata:\n  name: z\n")
    without = lint(manifests)
    assert lines_of(without, "unknown-kind") == [2, 9, 16]
    with_folder = lint(manifests, schema_location=[str(tmp_path / "schemas")])
    assert lines_of(with_folder, "unknown-kind") == [16]
    assert lines_of(with_folder, "schema-invalid") == [6, 13]


def test_bad_schema_location_files_are_findings_at_the_file(tmp_path: Path) -> None:
    """Issue 15: a --schema-location file that is not JSON, not an object, too large, a FIFO or nested too deeply
    was skipped silently (its objects went unvalidated, nothing said why); it is now a located finding of that
    file, and the search goes on to the next candidate (a later usable schema is still used)."""
    schemas = tmp_path / "schemas"
    (schemas / "example.com").mkdir(parents=True)
    (schemas / "example.com" / "widget_v1.json").write_text('{"type": "object",\n "properties": {"spec" {}}}\n')
    (schemas / "gadget_v1.json").write_text("[1]")
    (schemas / "big_v1.json").write_text('{"type": "object", "description": "' + "x" * 20000 + '"}')
    (schemas / "deep_v1.json").write_text("[" * 5000 + "]" * 5000)
    (schemas / "latin_v1.json").write_bytes(b'{"description": "\xe9"}')
    os.mkfifo(schemas / "gizmo_v1.json")  # opening it for reading would wait for a writer forever
    (schemas / "unneeded_v1.json").write_text("not json")  # no object needs it: never read, never reported
    valid = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}
    (schemas / "example.com" / "later_v1.json").write_text("{")  # the first candidate of Later: broken
    (schemas / "later_v1.json").write_text(json.dumps(valid))  # the second: used
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    kinds = ["Widget", "Gadget", "Big", "Deep", "Latin", "Gizmo", "Later"]
    (manifests / "w.yaml").write_text("---\n".join(
        f"apiVersion: example.com/v1\nkind: {kind}\nmetadata:\n  name: x\nspec:\n  size: big\n" for kind in kinds))
    found = lint(manifests, schema_location=[str(schemas)], max_file_size=16384)
    bad = sorted((os.path.relpath(f.file, schemas), f.line, f.column, f.rule, f.message.split(": ", 1)[1])
                 for f in found if f.rule in ("unreadable-file", "file-too-large"))
    assert bad == [
        ("big_v1.json", 1, 1, "file-too-large", "file is 0.0 MiB, over the 0 MiB limit"),
        ("deep_v1.json", 1, 1, "unreadable-file", "JSON nested too deeply"),
        ("example.com/later_v1.json", 1, 2, "unreadable-file", "not JSON: Expecting property name enclosed in "
                                                                 "double quotes"),
        ("example.com/widget_v1.json", 2, 24, "unreadable-file", "not JSON: Expecting ':' delimiter"),
        ("gadget_v1.json", 1, 1, "unreadable-file", "the file holds a JSON array, not an object"),
        ("gizmo_v1.json", 1, 1, "unreadable-file", "cannot read file: a FIFO (named pipe): only regular files are "
                                                    "read"),
        ("latin_v1.json", 1, 1, "unreadable-file", "not UTF-8 (byte 18)"),
    ]
    widget = next(f for f in found if f.file.endswith("widget_v1.json"))
    assert [(r.file, r.line) for r in widget.related] == [(str(manifests / "w.yaml"), 2)]
    # the objects without a usable schema say why; Later is validated by its second candidate
    assert lines_of(found, "unknown-kind") == [2, 9, 16, 23, 30, 37]
    assert lines_of(found, "schema-invalid") == [48]
    # reported with the default rules too (no schema rule needed to look the types up)
    alone = lint_tree(load_tree([str(manifests)], Options(schema_location=[str(schemas)]))).findings
    assert sorted(f.file.rsplit("/", 1)[1] for f in alone if f.rule == "unreadable-file") == [
        "deep_v1.json", "gadget_v1.json", "gizmo_v1.json", "later_v1.json", "latin_v1.json", "widget_v1.json"]


def test_kustomize_patches_are_partial(tmp_path: Path) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  replica: 3\n"
    (tmp_path / "patch.yaml").write_text(patch)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\npatches:\n  - path: patch.yaml\n")
    found = [f.message for f in lint(tmp_path, render=False) if f.rule == "schema-invalid"]
    assert found == ['spec.replica: unknown field "replica"; did you mean "replicas"?']
    (tmp_path / "kustomization.yaml").unlink()
    found = [f.message for f in lint(tmp_path, render=False) if f.rule == "schema-invalid"]
    assert 'spec: missing required field "selector"' in found


def test_v1beta1_crd_keeps_unknown_fields(tmp_path: Path) -> None:
    (tmp_path / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata:\n"
        "  name: olds.example.com\nspec:\n  group: example.com\n  version: v1\n  scope: Namespaced\n"
        "  names: {kind: Old, plural: olds}\n  validation:\n    openAPIV3Schema:\n      type: object\n"
        "      properties:\n        spec:\n          type: object\n          properties:\n"
        "            size: {type: integer}\n---\n"
        "apiVersion: example.com/v1\nkind: Old\nmetadata:\n  name: o\nspec:\n  size: x\n  other: 1\n")
    found = lint(tmp_path)
    assert [(f.line, f.message) for f in found if f.rule == "schema-invalid"] == [
        (24, 'spec.size: expected integer, got string "x"')]
    assert lines_of(found, "removed-api") == [1]


def test_each_object_is_validated_once() -> None:
    tree = load_tree([str(FIXTURES / "schema-invalid")], Options())
    store = store_for(tree)
    assert store_for(tree) is store
    first = [store.problems(resource) for resource in tree.resources]
    assert all(store.problems(r) is p for r, p in zip(tree.resources, first, strict=True))
    assert len(store._lookups) < len(tree.resources)


def test_crd_conversion_honours_kubernetes_extensions() -> None:
    schema = to_json_schema({"type": "object", "properties": {
        "port": {"x-kubernetes-int-or-string": True},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
        "bounded": {"type": "integer", "maximum": 5, "exclusiveMaximum": True},
    }}, strict=True)
    props = schema["properties"]
    assert props["port"]["type"] == ["integer", "string", "null"]
    assert "additionalProperties" not in props["free"]
    assert props["bounded"]["exclusiveMaximum"] == 5 and "maximum" not in props["bounded"]
    assert schema["additionalProperties"] is False
    assert {"apiVersion", "kind", "metadata"} <= set(props)
    embedded = to_json_schema({"type": "object", "properties": {"t": {
        "type": "object", "x-kubernetes-embedded-resource": True, "required": ["spec"]}}}, strict=True)
    assert embedded["properties"]["t"]["required"] == ["apiVersion", "kind", "spec"]


def test_did_you_mean() -> None:
    assert did_you_mean("containerport", ["containerPort", "hostPort"]) == "containerPort"
    assert did_you_mean("replica", ["replicas", "selector"]) == "replicas"
    assert did_you_mean("zzz", ["replicas"]) is None


def test_broken_input_never_raises(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, labels: [1], annotations: 3}\nspec: hello\n---\n"
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: b.example.com}\n"
        "spec:\n  group: example.com\n  names: {kind: B, plural: bs}\n  versions:\n  - name: v1\n    schema:\n"
        "      openAPIV3Schema: {type: [x], properties: [1], pattern: '(', minimum: yes, required: 7, anyOf: 5}\n"
        "  - 5\n---\napiVersion: example.com/v1\nkind: B\nmetadata: {name: b}\nspec: {x: 1}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: " + "{a: " * 300 + "1" + "}" * 300 + "\n")
    found = lint(tmp_path)
    assert lines_of(found, "schema-invalid")


def test_cli_kubernetes_version_option(tmp_path: Path) -> None:
    (tmp_path / "cj.yaml").write_text(
        "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\nspec:\n"
        "  scaleTargetRef: {kind: Deployment, name: w}\n  maxReplicas: 2\n")
    runner = CliRunner()
    bad = runner.invoke(cli, ["lint", str(tmp_path), "--kubernetes-version", "1.99"])
    assert bad.exit_code == 2 and "1.25" in bad.output
    old = runner.invoke(cli, ["lint", str(tmp_path), "--kubernetes-version", "v1.25", "-q", "--fail-on", "error"])
    assert old.exit_code == 0 and "[deprecated-api]" in old.output
    new = runner.invoke(cli, ["lint", str(tmp_path), "-q"])
    assert new.exit_code == 1 and "[removed-api]" in new.output


def test_any_of_reports_the_fitting_branch_or_one_type_error() -> None:
    from jsonschema import Draft202012Validator

    from kubelint.schema.errors import problems

    schema = {"properties": {"size": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+%$"}]}}}
    validator = Draft202012Validator(schema)
    wrong_text = problems(validator.iter_errors({"size": "abc"}))
    assert [(p.path, p.code) for p in wrong_text] == [(("size",), "pattern")]
    wrong_type = problems(validator.iter_errors({"size": [1]}))
    assert [p.message for p in wrong_type] == ["size: expected integer or string, got a sequence"]
    assert problems(validator.iter_errors({"size": "50%"})) == []


def test_fast_validator_agrees_with_jsonschema() -> None:
    """``jsonschema_rs`` only answers "valid?": on every fixture object it must agree with ``jsonschema``."""
    from kubelint.schema.store import SchemaStore

    pytest.importorskip("jsonschema_rs")
    for version in ("1.25", "1.37"):
        tree = load_tree([str(FIXTURES)], Options(kubernetes_version=version))
        fast = store_for(tree)
        slow = SchemaStore.for_resources(tree.resources, version)
        slow.use_fast, slow.patches = False, fast.patches
        for resource in tree.resources:
            assert fast.problems(resource) == slow.problems(resource), resource.ref
        assert any(lookup.fast for lookup in fast._lookups.values())
        assert all(slow._fast(lookup) is None for lookup in slow._lookups.values())  # lookups are shared


def test_stores_of_one_version_share_the_compiled_built_in_kinds() -> None:
    """Each unit has a store; a built-in kind's schema and validators are found and compiled once per process
    and version, a CRD's stay with the store of the unit that has the CRD."""
    from kubelint.schema.store import SchemaStore

    tree = load_tree([str(FIXTURES)], Options())
    builtin_kind = next(r for r in tree.resources if r.kind == "Deployment" and r.api_version == "apps/v1")
    first = SchemaStore.for_resources(tree.resources, "1.37")
    second = SchemaStore.for_resources(tree.resources, "1.37")
    assert first.lookup(builtin_kind) is second.lookup(builtin_kind)
    assert first.lookup(builtin_kind) is not SchemaStore.for_resources(tree.resources, "1.25").lookup(builtin_kind)
    custom = [r for r in tree.resources if r.ref.group not in ("", "apps") and "." in r.ref.group
              and r.kind != "CustomResourceDefinition" and first.lookup(r).status == "crd"]
    assert custom and first.lookup(custom[0]) is not second.lookup(custom[0])


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                     st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["type", "properties", "items", "required", "enum", "pattern", "minimum", "exclusiveMinimum",
         "additionalProperties", "anyOf", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
         "x-kubernetes-preserve-unknown-fields", "spec", "replicas", "containers", "name", "a"]),
        inner, max_size=4)), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(spec=_VALUES, schema=_VALUES, labels=_VALUES)
def test_any_value_and_any_crd_schema_never_raise(spec: object, schema: object, labels: object) -> None:
    from kubelint.model.resource import ObjectRef, Resource
    from kubelint.schema.store import SchemaStore

    def resource(api_version: str, kind: str, raw: dict[str, object]) -> Resource:
        group = api_version.rpartition("/")[0]
        return Resource(ObjectRef(group, kind, "default", "x"), api_version, raw, "f.yaml", {})

    crd = resource("apiextensions.k8s.io/v1", "CustomResourceDefinition", {
        "metadata": {"name": "fs.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "F"}, "versions": [
            {"name": "v1", "served": True, "schema": {"openAPIV3Schema": schema}}]}})
    objects = [crd, resource("apps/v1", "Deployment", {"metadata": {"name": "x", "labels": labels}, "spec": spec}),
               resource("example.com/v1", "F", {"metadata": {"name": "x"}, "spec": spec})]
    store = SchemaStore.for_resources(objects)
    for obj in objects:
        for problem in store.problems(obj):
            assert problem.message


def test_registering_the_schema_checks_imports_no_validator() -> None:
    import subprocess
    import sys

    code = ("import sys; from kubelint.checks import registry; registry(); "
            "print(sorted(m for m in ('jsonschema', 'jsonschema_rs', 'referencing') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
