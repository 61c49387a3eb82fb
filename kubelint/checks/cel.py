"""CEL checks: CRD validation rules on custom resources, CEL expressions that do not compile.

The CEL engine and the analyses that use it are imported inside the checks, so a tree without CEL never
loads them (``kubelint/cel``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from kubelint.checks import Hit, Params, check, validates
from kubelint.findings import Location, Path
from kubelint.model.resource import Resource
from kubelint.model.tree import Tree

if TYPE_CHECKING:
    from kubelint.analysis.cel_admission import ExpressionProblem


@check("crd-validation-failed")
def crd_validation_failed(tree: Tree, params: Params) -> Iterator[Hit]:
    """Custom resources that break the x-kubernetes-validations rules or list types of their CRD."""
    if not tree.options.schema_location and not any(_is_crd(resource) for resource in tree.resources):
        return
    from kubelint.analysis.cel_crd import crd_rules, violations
    from kubelint.schema.builtin import BUILTIN_GROUPS

    rules = crd_rules(tree)
    if not rules.schemas and not rules.locations:
        return
    for resource in tree.linted:
        if resource.ref.group in BUILTIN_GROUPS or resource.kind == "CustomResourceDefinition":
            continue
        schema = rules.schema_of(resource)
        if schema is None:
            continue
        old = tree.earlier.get(resource.ref) if tree.earlier is not None and schema.transition else None
        for violation in violations(schema, resource, old):
            related: tuple[Location, ...] = ()
            rule = violation.rule
            if rule is not None and rule.origin is not None:
                related = (rule.origin.where((*rule.origin_path, "rule"),
                                             message=f"the rule in CustomResourceDefinition {rule.origin.name}"),)
            since = f" (updating it from {tree.earlier.revision})" if rule is not None and rule.transition and \
                old is not None and tree.earlier is not None else ""
            yield Hit(f"{resource.kind} {resource.name}: {violation.message}{since}", resource.where(violation.path),
                      related, weaker=violation.weaker)
        for problem in rules.location_problems.get(_key(resource), ()):
            yield Hit(f"the schema of {resource.kind} from --schema-location has a rule kubelint cannot run: "
                      f"{problem.message}", resource.where(("kind",)), weaker=True)


@check("cel-expression-invalid")
def cel_expression_invalid(tree: Tree, params: Params) -> Iterator[Hit]:
    """CEL expressions in CRD validation rules and admission policies that do not compile."""
    linted = tree.linted
    if not any(resource.kind in EXPRESSION_KINDS for resource in linted):
        return
    from kubelint.analysis.cel_admission import GROUP, _compile_policy
    from kubelint.analysis.cel_crd import crd_rules

    rules = crd_rules(tree)
    for resource in linted:
        if resource.kind == "CustomResourceDefinition":
            for problem in rules.problems_of(resource):
                yield Hit(f"CustomResourceDefinition {resource.name}: {problem.message}",
                          expression_location(resource, problem.path, problem.line), weaker=problem.weaker)
        elif resource.kind == "ValidatingAdmissionPolicy" and resource.ref.group == GROUP:
            found: list[ExpressionProblem] = []
            _compile_policy(resource, found)
            for policy_problem in found:
                yield Hit(f"ValidatingAdmissionPolicy {resource.name}: {policy_problem.message}",
                          expression_location(resource, policy_problem.path, policy_problem.line),
                          weaker=policy_problem.weaker)


EXPRESSION_KINDS = frozenset({"CustomResourceDefinition", "ValidatingAdmissionPolicy"})
"""The kinds whose CEL expressions ``cel-expression-invalid`` compiles: a tree without them needs no CEL."""
ADMISSION_GROUP = "admissionregistration.k8s.io"
"""``kubelint.analysis.cel_admission.GROUP``, here so that a tree without policies does not import CEL."""


def _is_crd(resource: Resource) -> bool:
    return resource.kind == "CustomResourceDefinition" and resource.ref.group == "apiextensions.k8s.io"


ACTION_RULES = {"admission-policy-denied": "Deny", "admission-policy-warning": "Warn",
                "admission-policy-audit": "Audit"}


def _strongest(actions: tuple[str, ...]) -> str:
    for action in ("Deny", "Warn", "Audit"):
        if action in actions:
            return action
    return ""


def _admission_hits(tree: Tree, action: str) -> Iterator[Hit]:
    if not any(resource.kind == "ValidatingAdmissionPolicy" and resource.ref.group == ADMISSION_GROUP
               for resource in tree.resources):
        return  # no policy, no decision
    from kubelint.analysis.cel_admission import admission

    for decision in admission(tree).decisions:
        if _strongest(decision.actions) != action:
            continue
        related = [decision.binding.where(message=f"the binding {decision.binding.name}")]
        if decision.expression:
            related.insert(0, decision.policy.where(decision.expression,
                                                    message=f"the expression in {decision.policy.name}"))
        else:
            related.insert(0, decision.policy.where(message=f"the policy {decision.policy.name}"))
        message = decision.message
        if decision.uncertain:
            message += f" (uncertain: {decision.uncertain})"
        yield Hit(message, decision.resource.where(decision.path), tuple(related), weaker=bool(decision.uncertain),
                  held=decision.held)


@check("admission-policy-denied")
def admission_policy_denied(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects a ValidatingAdmissionPolicy of the tree denies (validationActions: Deny)."""
    yield from _admission_hits(tree, "Deny")


@check("admission-policy-warning")
def admission_policy_warning(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects a ValidatingAdmissionPolicy of the tree warns about (validationActions: Warn)."""
    yield from _admission_hits(tree, "Warn")


@check("admission-policy-audit")
def admission_policy_audit(tree: Tree, params: Params) -> Iterator[Hit]:
    """Objects a ValidatingAdmissionPolicy of the tree records in the audit log (validationActions: Audit)."""
    yield from _admission_hits(tree, "Audit")


def expression_location(resource: Resource, path: Path, line: int) -> Location:
    """Where line ``line`` of the expression at ``path`` is: a literal block scalar (``rule: |``) starts on the
    line after its key, so its line N is N lines below that; other scalars are located at their start."""
    location = resource.where(path)
    if line <= 0:
        return location
    return replace(location, line=location.line + 1 + line, column=1)


def _key(resource: object) -> tuple[str, str, str]:
    from kubelint.model.resource import Resource, split_api_version

    assert isinstance(resource, Resource)
    group, version = split_api_version(resource.api_version)
    return group, version, resource.kind


# -- the cel check: user rules written in CEL ---------------------------------------------------------
CEL_PLACEHOLDERS = frozenset({"kind", "name", "namespace"})
_CEL_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


@check("cel", params={
    "expression": {"type": "string", "required": True,
                   "description": "A CEL expression over `object` (the manifest) that is true when the object is "
                                  "fine; the Kubernetes CEL libraries are available."},
    "message": {"type": "string",
                "description": "The finding's message, with placeholders {kind}, {name}, {namespace}; default "
                               "'{kind} {name}: failed expression: <expression>'."},
    "kinds": {"type": "array", "items": {"type": "string"},
              "description": "Only objects of these kinds ('Deployment' or 'apps/Deployment'); default all."},
    "exclude-kinds": {"type": "array", "items": {"type": "string"}, "description": "Not objects of these kinds."},
})
def cel_rule(tree: Tree, params: Params) -> Iterator[Hit]:
    """A user rule in CEL: every object for which ``params.expression`` is false is a finding."""
    from kubelint.analysis.cel_admission import field_of
    from kubelint.cel import Budget, CelError, compile_expression
    from kubelint.checks.policy import selected

    program = compile_expression(params["expression"], ("object",))
    message = params.get("message") or "{kind} {name}: failed expression: " + " ".join(program.text.split())
    for resource in tree.linted:
        if not selected(resource, params):
            continue
        try:
            result = program.evaluate({"object": resource.raw}, Budget(2_000_000, 0.5))
        except CelError as error:
            yield Hit(f"{resource.kind} {resource.name}: the rule's expression fails to evaluate: {error.message}",
                      resource.where(), weaker=True)
            continue
        if result is True:
            continue
        if result is not False:
            yield Hit(f"{resource.kind} {resource.name}: the rule's expression gives {type(result).__name__}, not "
                      "bool", resource.where(), weaker=True)
            continue
        values = {"kind": resource.kind, "name": resource.name, "namespace": resource.namespace or ""}
        text = _CEL_PLACEHOLDER.sub(lambda match, values=values: values.get(match.group(1), match.group(0)), message)
        yield Hit(text, resource.where(field_of(program, resource)))


@validates("cel")
def validate_cel_params(check_name: str, params: Params) -> tuple[Path, str] | None:
    """A rule's expression must compile (the problem is a usage error at the rule's line, with where in it)."""
    from kubelint.cel import CelSyntaxError, compile_expression, line_column

    expression = params.get("expression")
    if not isinstance(expression, str):
        return ("expression",), "params.expression must be a CEL expression (a string)"
    try:
        compile_expression(expression, ("object",))
    except CelSyntaxError as error:
        line, column = line_column(expression, error.offset)
        where = f"line {line + 1}, column {column + 1}" if "\n" in expression.strip() else f"column {column + 1}"
        return ("expression",), f"not a valid CEL expression ({where}): {error.message}"
    message = params.get("message")
    if isinstance(message, str):
        unknown = sorted(set(_CEL_PLACEHOLDER.findall(message)) - CEL_PLACEHOLDERS)
        if unknown:
            return ("message",), f"unknown placeholder {{{unknown[0]}}} (known: {{kind}}, {{name}}, {{namespace}})"
    return None
