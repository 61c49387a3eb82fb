"""The crd-validations analysis compiles what each check needs: the schema nodes of kinds with objects for
crd-validation-failed, every rule of the linted CRDs for cel-expression-invalid; each rule once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from kubelint.analysis.cel_crd import RuleProblem, _node, _rule_entries, crd_rules
from kubelint.cli import cli
from kubelint.loader import load_tree
from kubelint.options import Options

ROOT = Path(__file__).resolve().parent.parent


def _crd(kind: str, spec_schema: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {{name: {kind.lower()}s.example.com}}
        spec:
          group: example.com
          scope: Namespaced
          names: {{kind: {kind}, plural: {kind.lower()}s}}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {spec_schema}
        """)


WIDGETS = _crd("Widget", "{type: object, x-kubernetes-validations: [{rule: 'self.min <= self.max'}]}")
GADGETS = _crd("Gadget", "{type: object, x-kubernetes-validations: [{rule: 'self.min <='}]}")
OBJECT = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\nspec: {min: 3, max: 1}\n"


def test_only_kinds_with_objects_are_built_and_rules_of_the_others_are_still_checked(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text("---\n".join([WIDGETS, GADGETS, OBJECT]))
    result = CliRunner().invoke(cli, ["lint", "-q", "--format", "json", str(tmp_path), "--disable", "all",
                                      "--enable", "crd-validation-failed,cel-expression-invalid"],
                                catch_exceptions=False)
    found = sorted((f["rule"], f["line"]) for f in json.loads(result.output)["findings"])
    # the Widget breaks its rule; the Gadget CRD, which no object uses, still has its broken rule reported
    assert found == [("cel-expression-invalid", 33), ("crd-validation-failed", 38)], result.output

    tree = load_tree([str(tmp_path)], Options())
    rules = crd_rules(tree)
    widget = next(r for r in tree.resources if r.kind == "Widget")
    gadgets = next(r for r in tree.resources if r.name == "gadgets.example.com")
    assert rules.schema_of(widget) is not None
    assert list(rules.kinds) == [("example.com", "v1", "Widget")]  # the Gadget's schema was never built
    assert [p.message.split(":")[0] for p in rules.problems_of(gadgets)] == ["CEL expression does not compile"]
    assert len(rules._compiled) == 2
    compiled = dict(rules._compiled)
    rules.problems_of(next(r for r in tree.resources if r.name == "widgets.example.com"))
    assert rules._compiled == compiled  # compiled once, for both checks


def test_rule_problems_come_in_the_order_the_schema_walk_meets_them(tmp_path: Path) -> None:
    schema = {"type": "object", "x-kubernetes-validations": [{"rule": "self.a <="}], "properties": {
        "b": {"type": "array", "items": {"type": "object", "x-kubernetes-validations": [{"rule": "(("}],
                                         "properties": {"c": {"type": "string", "x-kubernetes-validations": [
                                             {"rule": "self == 'a'", "messageExpression": "'x' +"}]}}}},
        "d": {"type": "string"},
        "e": {"type": "object", "additionalProperties": {"x-kubernetes-validations": [
            {"rule": "true", "fieldPath": ".a..b"}, {"message": "no rule"}]},
              "x-kubernetes-validations": [{"rule": "1 +"}]}}}
    walked: list[RuleProblem] = []
    _node(schema, None, ("s",), walked, ())
    compiled: list[RuleProblem] = []
    from kubelint.analysis.cel_crd import _compile_rule

    for entry, path in _rule_entries(schema, ("s",)):
        _compile_rule(entry, None, path, compiled)
    assert len(walked) == 6
    assert [(p.path, p.message) for p in compiled] == [(p.path, p.message) for p in walked]


def test_a_tree_without_crds_or_policies_imports_no_cel_analysis() -> None:
    code = ("import sys; from kubelint.cli import cli; from click.testing import CliRunner; "
            f"CliRunner().invoke(cli, ['lint', {str(ROOT / 'examples')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith(('kubelint.cel', 'kubelint.analysis.cel'))))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]", output


def test_the_admission_group_named_twice_is_the_same() -> None:
    from kubelint.analysis.cel_admission import GROUP
    from kubelint.checks.cel import ADMISSION_GROUP

    assert ADMISSION_GROUP == GROUP
