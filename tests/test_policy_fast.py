"""JSON Schema policies: ``jsonschema_rs`` answers "valid?", ``jsonschema`` explains only what fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kubelint.catalog import load_catalog
from kubelint.checks import policy
from kubelint.engine import lint_tree
from kubelint.loader import load_tree
from kubelint.options import Options

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SCHEMA_CHECKS = ("object-schema", "podspec-schema", "container-schema")


def _instances(tree: Any) -> list[Any]:
    """Every node a schema check validates: whole objects, pod specs, containers."""
    found: list[Any] = []
    for resource in tree.resources:
        found.append(resource.raw)
        template = policy.pod_template(resource, tree.workloads)
        if template is not None:
            found.append(resource.get(template.spec_path))
            found.extend(container.raw for container in template.containers)
    return found


def test_fast_verdicts_agree_with_jsonschema_on_every_fixture() -> None:
    pytest.importorskip("jsonschema_rs")
    tree = load_tree([str(FIXTURES), str(ROOT / "examples")], Options(cache=False))
    rules = [rule for rule in load_catalog().values() if rule.check in SCHEMA_CHECKS]
    assert len(rules) >= 16  # missing-readiness-probe runs its own check (readiness-probe) since issue 20
    instances = _instances(tree)
    invalid = 0
    for rule in rules:
        compiled = policy._compiled_for(rule.params)
        assert compiled.fast is not None, rule.id
        for instance in instances:
            slow = not any(True for _ in compiled.slow.iter_errors(instance))
            assert compiled.valid(instance) == slow, (rule.id, instance)
            invalid += not slow
    assert invalid > 50  # the fixtures make every rule fail somewhere


def test_findings_are_the_same_with_and_without_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = load_tree([str(FIXTURES)], Options(cache=False, enable=["all"]))
    fast = [(f.rule, f.file, f.line, f.column, f.message) for f in lint_tree(tree).findings]
    monkeypatch.setattr(policy, "USE_FAST", False)
    tree = load_tree([str(FIXTURES)], Options(cache=False, enable=["all"]))
    slow = [(f.rule, f.file, f.line, f.column, f.message) for f in lint_tree(tree).findings]
    assert fast == slow
    assert sum(1 for finding in fast if finding[0] == "privileged-container") >= 1


def test_values_the_fast_validator_cannot_take_are_judged_by_jsonschema() -> None:
    params = {"schema": {"properties": {"replicas": {"maximum": 5}}}}
    assert policy.schema_errors(params, {"replicas": 2**80}) == [(("replicas",), f"{2**80} is greater than the "
                                                                                  "maximum of 5")]
    assert policy.schema_errors(params, {"replicas": 3}) == []


def test_a_schema_is_never_fetched() -> None:
    """The fast validator runs offline: a remote $ref (refused for user rules anyway) is not followed."""
    compiled = policy._compiled('{"$ref": "https://example.com/schema.json"}')
    assert compiled.fast is None


CLEAN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: registry.example.com/web:1.2.3
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
        livenessProbe: {httpGet: {path: /, port: 8080}}
        readinessProbe: {httpGet: {path: /, port: 8080}}
"""


@pytest.mark.parametrize("dirty", [False, True])
def test_the_built_in_policies_never_import_jsonschema(tmp_path: Path, dirty: bool) -> None:
    """Clean objects are judged by jsonschema_rs alone; so are failing ones, as every built-in policy's
    failing nodes are located by it."""
    pytest.importorskip("jsonschema_rs")
    text = CLEAN.replace("readOnlyRootFilesystem: true", "privileged: true") if dirty else CLEAN
    (tmp_path / "manifest.yaml").write_text(text)
    rules = [rule.id for rule in load_catalog().values() if rule.check in SCHEMA_CHECKS]
    code = ("import sys; from kubelint.engine import lint_paths; from kubelint.options import Options; "
            f"report = lint_paths([{str(tmp_path)!r}], Options(cache=False, enable={rules!r}, disable=['all'])); "
            "print(report.objects, len(report.findings), 'jsonschema' in sys.modules, 'jsonschema_rs' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    objects, findings, slow, fast = result.stdout.split()
    assert int(objects) == 1 and (int(findings) >= 2 if dirty else findings == "0")
    assert (slow, fast) == ("False", "True")


def test_every_built_in_policy_is_located_by_the_fast_validator() -> None:
    rules = [rule for rule in load_catalog().values() if rule.check in SCHEMA_CHECKS]
    assert rules and all(policy.located_alike(rule.params["schema"]) for rule in rules)
    assert not policy.located_alike({"properties": {"a": {"$ref": "#/$defs/x"}}})
    assert not policy.located_alike({"anyOf": [{"additionalProperties": False}]})


def test_fast_failing_nodes_are_jsonschemas_on_every_fixture() -> None:
    pytest.importorskip("jsonschema_rs")
    tree = load_tree([str(FIXTURES), str(ROOT / "examples")], Options(cache=False))
    instances = _instances(tree)
    compared = 0
    for rule in [rule for rule in load_catalog().values() if rule.check in SCHEMA_CHECKS]:
        compiled = policy._compiled_for(rule.params)
        for instance in instances:
            if compiled.valid(instance):
                continue
            slow = _jsonschema_paths(dict(rule.params), instance)
            assert set(compiled.failing_nodes(instance) or ()) == set(slow) != set(), (rule.id, instance)
            compared += 1
    assert compared > 50


_KEYS = st.sampled_from(["a", "b", "name", "x"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-3, max_value=3),
                     st.text(alphabet="abx:-/ ", max_size=4))
_INSTANCES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)), max_leaves=10)
_ASSERTIONS = st.one_of(
    st.builds(lambda kind: {"type": kind}, st.sampled_from(["string", "integer", "object", "array", "boolean",
                                                            "null", "number"])),
    st.builds(lambda value: {"const": value}, _SCALARS),
    st.builds(lambda values: {"enum": values}, st.lists(_SCALARS, min_size=1, max_size=3)),
    st.builds(lambda pattern: {"pattern": pattern}, st.sampled_from(["^a", "b$", "x+", "^[a-z]*$", ":"])),
    st.builds(lambda keys: {"required": keys}, st.lists(_KEYS, min_size=1, max_size=2, unique=True)),
    st.builds(lambda number: {"minimum": number}, st.integers(min_value=-2, max_value=2)),
    st.builds(lambda number: {"maxLength": number}, st.integers(min_value=0, max_value=3)),
    st.builds(lambda number: {"minItems": number}, st.integers(min_value=0, max_value=2)),
    st.builds(lambda number: {"maxProperties": number}, st.integers(min_value=0, max_value=2)),
    st.just({"uniqueItems": True}),
    st.just({"description": "x"}),
)


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


_SCHEMAS = st.recursive(st.one_of(_ASSERTIONS, st.booleans()), lambda inner: st.one_of(
    st.builds(lambda properties: {"properties": properties}, st.dictionaries(_KEYS, inner, max_size=3)),
    st.builds(lambda schema: {"items": schema}, inner),
    st.builds(lambda schema: {"not": schema}, inner),
    st.builds(lambda key, schemas: {key: schemas}, st.sampled_from(["anyOf", "allOf", "oneOf"]),
              st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda condition, then: {"if": condition, "then": then}, inner, inner),
    st.builds(lambda condition, then, other: {"if": condition, "then": then, "else": other}, inner, inner, inner),
    st.builds(_merged, st.lists(st.one_of(_ASSERTIONS, st.builds(lambda p: {"properties": p},
                                                                 st.dictionaries(_KEYS, inner, max_size=2))),
                                min_size=2, max_size=3)),
), max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(_SCHEMAS, _INSTANCES)
@example({"allOf": [{"properties": {"a": False}}]}, {"a": None})  # a false property below a list of subschemas
@example({"anyOf": [{"not": {}}, {"properties": {"b": {"properties": {"a": False}}}}]}, {"b": {"a": 1}})
def test_fast_failing_nodes_are_jsonschemas_on_generated_schemas(schema: Any, instance: Any) -> None:
    """Schemas of the keywords in LOCATED_ALIKE fail at the same nodes in both validators."""
    pytest.importorskip("jsonschema_rs")
    if not policy.located_alike(schema):  # ``items: false``: jsonschema fails the list, jsonschema_rs its items
        assert "False" in repr(schema)
        return
    params = {"schema": schema}
    compiled = policy._compiled_for(params)
    slow = _jsonschema_paths(params, instance)
    assert compiled.valid(instance) == (not slow)
    if slow:
        assert set(compiled.failing_nodes(instance) or ()) == set(slow)


def _jsonschema_paths(params: dict[str, Any], instance: Any) -> list[Any]:
    """The failing nodes as jsonschema alone finds them."""
    policy.USE_FAST = False
    try:
        return [path for path, _ in policy.schema_errors(params, instance)]
    finally:
        policy.USE_FAST = True
