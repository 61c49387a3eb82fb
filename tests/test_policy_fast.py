"""JSON Schema policies: ``jsonschema_rs`` answers "valid?", ``jsonschema`` explains only what fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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
    assert len(rules) >= 17
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


def test_linting_clean_objects_never_imports_jsonschema(tmp_path: Path) -> None:
    pytest.importorskip("jsonschema_rs")
    (tmp_path / "clean.yaml").write_text(CLEAN)
    rules = [rule.id for rule in load_catalog().values() if rule.check in SCHEMA_CHECKS]
    code = ("import sys; from kubelint.engine import lint_paths; from kubelint.options import Options; "
            f"report = lint_paths([{str(tmp_path)!r}], Options(cache=False, enable={rules!r}, disable=['all'])); "
            "print(report.objects, len(report.findings), 'jsonschema' in sys.modules, 'jsonschema_rs' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    objects, findings, slow, fast = result.stdout.split()
    assert int(objects) >= 1 and findings == "0" and (slow, fast) == ("False", "True")
