"""The CEL checks end to end: user rules in CEL, broken expressions, --policies, budgets, the lazy import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from kubelint.cli import cli

ROOT = Path(__file__).resolve().parent.parent

CEL_RULE = """\
id: replica-cap
summary: Deployments run at most 10 replicas
severity: warning
check: cel
params:
  kinds: [Deployment]
  expression: "!has(object.spec.replicas) || object.spec.replicas <= 10"
  message: '{kind} {name} in {namespace} asks for too many replicas'
"""

DEPLOYMENTS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: shop}
spec:
  replicas: 40  # expect: replica-cap
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: small, namespace: shop}
spec:
  replicas: 2
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-deployment, namespace: shop}
data: {replicas: "40"}
"""


def _rules(tmp_path: Path, rule: str) -> Path:
    rules = tmp_path / "policies"
    (rules / "fixtures" / "replica-cap").mkdir(parents=True)
    (rules / "replica-cap.yaml").write_text(rule)
    (rules / "fixtures" / "replica-cap" / "deployments.yaml").write_text(DEPLOYMENTS)
    return rules


def test_cel_user_rule_finds_at_the_field_and_passes_its_fixtures(tmp_path: Path) -> None:
    rules = _rules(tmp_path, CEL_RULE)
    result = CliRunner().invoke(cli, ["test", str(rules)])
    assert result.exit_code == 0 and "1 passed, 0 failed" in result.output, result.output
    lint = CliRunner().invoke(cli, ["lint", "-q", str(rules / "fixtures"), "--rules", str(rules),
                                    "--disable", "all", "--enable", "replica-cap"])
    assert "deployments.yaml:5:13: warning [replica-cap] Deployment big in shop asks for too many replicas" in (
        lint.output), lint.output
    explained = CliRunner().invoke(cli, ["explain", "replica-cap", "--rules", str(rules)])
    assert explained.exit_code == 0 and "replicas: 40" in explained.output, explained.output


def test_broken_cel_expression_is_a_located_usage_error(tmp_path: Path) -> None:
    broken = CEL_RULE.replace('"!has(object.spec.replicas) || object.spec.replicas <= 10"',
                              '"object.spec.replicas <= "')
    rules = _rules(tmp_path, broken)
    result = CliRunner().invoke(cli, ["lint", str(rules / "fixtures"), "--rules", str(rules)])
    assert result.exit_code == 2, result.output
    assert f"{rules / 'replica-cap.yaml'}:7:" in result.stderr
    assert "not a valid CEL expression (column 25)" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_unknown_function_and_placeholder_are_usage_errors(tmp_path: Path) -> None:
    for old, new, message in [
        ("object.spec.replicas <= 10", "object.spec.replicas.frobnicate()", "undeclared reference to 'frobnicate'"),
        ("in {namespace}", "in {team}", "unknown placeholder {team}"),
    ]:
        rules = _rules(tmp_path / old[:3], CEL_RULE.replace(old, new))
        result = CliRunner().invoke(cli, ["lint", str(rules / "fixtures"), "--rules", str(rules)])
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_cel_rule_that_fails_to_evaluate_is_reported_one_level_lower(tmp_path: Path) -> None:
    rules = _rules(tmp_path, CEL_RULE.replace("!has(object.spec.replicas) || ", ""))
    (rules / "fixtures" / "replica-cap" / "deployments.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: shop}\nspec: {}\n")
    lint = CliRunner().invoke(cli, ["lint", "-q", str(rules / "fixtures"), "--rules", str(rules),
                                    "--disable", "all", "--enable", "replica-cap"])
    assert "info [replica-cap] Deployment x: the rule's expression fails to evaluate: no such key: replicas" in (
        lint.output), lint.output


def test_policies_folder_applies_to_the_linted_paths_only(tmp_path: Path) -> None:
    example = (ROOT / "fixtures" / "admission-policy-denied" / "example.yaml").read_text()
    documents = example.split("\n---\n")
    (tmp_path / "cluster").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "cluster" / "policies.yaml").write_text(
        "\n---\n".join(d for d in documents if "kind: Deployment" not in d) + "\n")
    (tmp_path / "app" / "deploy.yaml").write_text("\n---\n".join(d for d in documents if "kind: Deployment" in d))
    args = ["lint", "-q", str(tmp_path / "app"), "--disable", "all", "--enable", "tag:admission"]
    without = CliRunner().invoke(cli, args)
    assert without.exit_code == 0 and "admission-policy" not in without.output, without.output
    found = CliRunner().invoke(cli, [*args, "--policies", str(tmp_path / "cluster")])
    assert found.exit_code == 1, found.output
    assert "deploy.yaml:" in found.output and "denies Deployment web: at most 5 replicas" in found.output
    assert "policies.yaml" not in found.output


def _thing_crd(rules: list[str], spec_schema: str) -> str:
    """A CRD of kind Thing whose root carries ``rules`` (x-kubernetes-validations) and whose spec is ``spec_schema``."""
    validations = "".join(f"            - rule: {rule}\n" for rule in rules)
    return ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            "metadata: {name: things.example.com}\nspec:\n  group: example.com\n  scope: Namespaced\n"
            "  names: {kind: Thing, plural: things}\n  versions:\n    - name: v1\n      served: true\n"
            "      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n"
            f"          x-kubernetes-validations:\n{validations}"
            f"          properties:\n            spec: {spec_schema}\n")


def test_a_costly_crd_rule_is_reported_and_does_not_hang(tmp_path: Path) -> None:
    crd = _thing_crd(["lists.range(2000).all(a, lists.range(2000).all(b, a + b >= 0))"], "{type: object}")
    things = "".join(f"---\napiVersion: example.com/v1\nkind: Thing\nmetadata: {{name: t{i}, namespace: x}}\n"
                     for i in range(20))
    (tmp_path / "crd.yaml").write_text(crd + things)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["lint", "-q", str(tmp_path), "--disable", "all", "--enable",
                                      "crd-validation-failed"])
    assert time.monotonic() - started < 20
    assert result.output.count("could not be evaluated") == 1, result.output
    assert "not evaluated on further objects" in result.output


def test_cel_is_not_imported_for_a_tree_without_cel() -> None:
    code = ("import sys; from kubelint.cli import cli; from click.testing import CliRunner; "
            f"CliRunner().invoke(cli, ['lint', {str(ROOT / 'examples')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith('kubelint.cel')))")  # the engine; not its analyses
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]", output


def test_crd_rules_from_schema_location_run_and_an_unusable_schema_file_is_no_crash(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas" / "example.com"
    schemas.mkdir(parents=True)
    (schemas / "widget_v1.json").write_text(json.dumps({
        "type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-validations": [
            {"rule": "self.min <= self.max", "message": "min must not exceed max"}]}}}))
    (schemas / "gadget_v1.json").write_text("{not json")
    (tmp_path / "objects.yaml").write_text(textwrap.dedent("""\
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: bad, namespace: apps}
        spec: {min: 3, max: 1}
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: good, namespace: apps}
        spec: {min: 1, max: 3}
        ---
        apiVersion: example.com/v1
        kind: Gadget
        metadata: {name: other, namespace: apps}
        spec: {min: 3, max: 1}
        """))
    result = CliRunner().invoke(cli, ["lint", "-q", "--format", "json", str(tmp_path / "objects.yaml"),
                                      "--schema-location", str(tmp_path / "schemas")], catch_exceptions=False)
    findings = json.loads(result.output)["findings"]
    cel = [(f["line"], f["message"]) for f in findings if f["rule"] == "crd-validation-failed"]
    assert cel == [(4, "Widget bad: Invalid value: min must not exceed max")]
    assert any(f["rule"] == "unreadable-file" and "gadget_v1.json" in f["file"] for f in findings)


def test_rules_just_under_their_own_limit_share_the_runs_allowance(tmp_path: Path) -> None:
    # issue 15 class: each evaluation stays under its own step and time limit, so only a limit shared by all
    # evaluations of the run bounds rules x objects (without it, this tree costs ~0.1-0.2 s per object and rule)
    items = ", ".join(str(i) for i in range(450))
    crd = _thing_crd(["self.spec.xs.all(x, self.spec.xs.all(y, x + y >= 0))",
                      "self.spec.xs.all(x, self.spec.xs.all(y, x - y <= 1000))"],
                     "{type: object, properties: {xs: {type: array, items: {type: integer}}}}")
    things = "".join(f"---\napiVersion: example.com/v1\nkind: Thing\nmetadata: {{name: t{i}, namespace: x}}\n"
                     f"spec: {{xs: [{items}]}}\n" for i in range(200))
    (tmp_path / "crd.yaml").write_text(crd + things)
    result = CliRunner().invoke(cli, ["lint", "-q", str(tmp_path), "--disable", "all", "--enable",
                                      "crd-validation-failed", "--cel-budget", "0.2", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    # each rule is reported once, as not evaluated, naming the run's allowance; later objects are not evaluated
    assert result.output.count("time allowance for all CEL evaluations of the run (0.2 s, --cel-budget)") == 2, \
        result.output
    assert result.output.count("not evaluated on further objects") == 2


def test_the_runs_allowance_ends_an_evaluation_that_its_own_limit_would_allow() -> None:
    from kubelint.allowance import cel_allowance
    from kubelint.cel import Budget, CostExceeded, compile_expression

    program = compile_expression("lists.range(3000).all(a, lists.range(3000).all(b, a + b >= 0))", ())
    with cel_allowance(0.01) as allowance:
        allowance.until()
        time.sleep(0.02)
        try:
            program.evaluate({}, Budget(100_000_000, 60.0))
        except CostExceeded as error:
            assert "time allowance" in error.message
        else:
            raise AssertionError("the evaluation ran past the run's allowance")
    # outside a run there is no shared allowance: an evaluation has only its own limits
    assert Budget(10, 60.0).shared is None
