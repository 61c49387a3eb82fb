"""ValidatingAdmissionPolicies, offline: each policy and binding of the tree (and of ``--policies`` folders, loaded
as context) run against every object, as the API server would on create; when the run compares with an earlier
state (``--new-since``, the hook), an object that state has in another form is updated (``oldObject``, operation
UPDATE); an unchanged one is judged as a plain run judges it (as if created), so that the findings of the two
states compare, and a policy the change adds still reports the objects it would refuse.

A policy applies to an object through a binding that names it, when both the policy's ``matchConstraints`` and
the binding's ``matchResources`` match the object (resource rules through a kind-to-resource table, exclusions,
the namespace selector against the tree's Namespace objects, the object selector), and every ``matchConditions``
expression is true. Then each ``validations`` expression runs (with ``object``, ``oldObject`` (null on create),
``request``, ``params``, ``namespaceObject`` and the policy's lazily evaluated ``variables``); a false one is a
:class:`Decision` with the binding's ``validationActions``. Evaluation errors follow ``failurePolicy``.

What the tree cannot decide is said less surely (``uncertain``): a namespace selector when the tree does not define
the namespace, params the tree does not hold with ``parameterNotFoundAction: Deny``, an error from an expression
(kubelint evaluates without the API server's type check). What kubelint cannot evaluate at all (``authorizer``)
is held back (``held``, shown with ``-v``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.findings import Path
from kubelint.model.resource import Resource, mapping, sequence, split_api_version, string_map, text
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.cel import Program
    from kubelint.model.tree import Tree

GROUP = "admissionregistration.k8s.io"
POLICY_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "authorizer")
EXPRESSION_SECONDS = 0.5
EXPRESSION_STEPS = 2_000_000

DEFAULTED_FIELDS = frozenset({
    "replicas", "revisionHistoryLimit", "progressDeadlineSeconds", "strategy", "updateStrategy", "minReadySeconds",
    "podManagementPolicy", "persistentVolumeClaimRetentionPolicy", "restartPolicy", "terminationGracePeriodSeconds",
    "dnsPolicy", "schedulerName", "securityContext", "imagePullPolicy", "terminationMessagePath",
    "terminationMessagePolicy", "protocol", "sessionAffinity", "type", "ipFamilies", "ipFamilyPolicy",
    "internalTrafficPolicy", "concurrencyPolicy", "suspend", "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
    "backoffLimit", "completions", "parallelism", "completionMode", "manualSelector", "podReplacementPolicy",
    "enableServiceLinks", "preemptionPolicy", "priority", "serviceAccountName", "serviceAccount",
    "automountServiceAccountToken", "volumeMode", "reclaimPolicy", "volumeBindingMode", "pathType", "namespace",
    "uid", "creationTimestamp", "generation", "resourceVersion", "status", "successThreshold", "failureThreshold",
    "periodSeconds", "timeoutSeconds", "defaultMode", "scheme", "targetPort", "externalTrafficPolicy",
})
"""Fields the API server (or its admission chain) may set before validating admission runs: an expression that
fails because one is absent is not reported (``-v`` says why), the object the policy sees would have it."""

RESOURCE_EXCEPTIONS = {"Endpoints": "endpoints", "PodMetrics": "pods", "NodeMetrics": "nodes"}


def resource_of(kind: str, plurals: Mapping[tuple[str, str], str], group: str) -> str:
    """The API resource of a kind: a CRD's plural, else Kubernetes' own guess (``UnsafeGuessKindToResource``)."""
    plural = plurals.get((group, kind))
    if plural:
        return plural
    if kind in RESOURCE_EXCEPTIONS:
        return RESOURCE_EXCEPTIONS[kind]
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


@record
class Expression:
    """One compiled expression of a policy, with where it is."""

    program: Program
    path: Path
    name: str = ""
    message: str = ""
    message_program: Program | None = None
    reason: str = ""


@record
class ExpressionProblem:
    """An expression of a policy that does not compile (the API server refuses the policy)."""

    resource: Resource
    path: Path
    message: str
    weaker: bool
    line: int = 0


@record
class Policy:
    """A ValidatingAdmissionPolicy, compiled; ``broken`` when an expression does not compile."""

    resource: Resource
    conditions: list[Expression] = field(default_factory=list)
    variables: list[Expression] = field(default_factory=list)
    validations: list[Expression] = field(default_factory=list)
    broken: bool = False

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.resource.spec


@record(frozen=True)
class Decision:
    """What one policy through one binding says about one object."""

    resource: Resource
    policy: Resource
    binding: Resource
    actions: tuple[str, ...]
    message: str
    path: Path = ()
    expression: Path = ()
    """Where the deciding expression is in the policy."""
    uncertain: str = ""
    held: str = ""


@record
class Admission:
    """Every decision of the tree's policies, and the expressions that do not compile."""

    decisions: list[Decision] = field(default_factory=list)
    problems: list[ExpressionProblem] = field(default_factory=list)


@analysis_of("admission")
def admission(tree: Tree) -> Admission:
    """The policies and bindings of the tree, evaluated on every object (CEL is imported only if any)."""
    result = Admission()
    policies: dict[str, Policy] = {}
    bindings: list[Resource] = []
    for resource in tree.resources:
        if resource.ref.group != GROUP or resource.kind not in POLICY_KINDS:
            continue
        if resource.kind == "ValidatingAdmissionPolicy":
            policies.setdefault(resource.name, _compile_policy(resource, result.problems))
        else:
            bindings.append(resource)
    if not policies:
        return result
    context = _Context(tree)
    for binding in bindings:
        policy = policies.get(text(binding.spec.get("policyName")) or "")
        if policy is None or policy.broken:
            continue
        actions = tuple(action for action in sequence(binding.spec.get("validationActions"))
                        if action in ("Deny", "Warn", "Audit"))
        if not actions:
            continue
        for resource in tree.resources:
            if resource.ref.group == GROUP and resource.kind in POLICY_KINDS:
                continue
            result.decisions.extend(_decide(policy, binding, actions, resource, context))
    return result


# -- compiling ------------------------------------------------------------------------------------
def _compile_policy(resource: Resource, problems: list[ExpressionProblem]) -> Policy:
    from kubelint.cel import CelSyntaxError, compile_expression, line_column

    policy = Policy(resource)
    spec = resource.spec

    def compile_one(source: Any, path: Path, variables: tuple[str, ...]) -> Program | None:
        if not isinstance(source, str):
            return None
        try:
            return compile_expression(source, variables)
        except CelSyntaxError as error:
            line, column = line_column(source, error.offset)
            multi = "\n" in source.rstrip("\n")
            where = f" (line {line + 1}, column {column + 1} of the expression)" if multi else f" (column {column + 1})"
            unknown = error.message.startswith("undeclared reference")
            message = f"CEL expression does not compile: {error.message}{where}"
            if unknown:
                message += "; kubelint may lack a newer Kubernetes CEL function"
            problems.append(ExpressionProblem(resource, path, message, unknown, line if multi else 0))
            policy.broken = True
            return None

    for index, entry in enumerate(sequence(spec.get("matchConditions"))):
        entry = mapping(entry)
        path: Path = ("spec", "matchConditions", index, "expression")
        program = compile_one(entry.get("expression"), path, VARIABLES)
        if program is not None:
            policy.conditions.append(Expression(program, path, text(entry.get("name")) or str(index)))
    with_variables = (*VARIABLES, "variables")
    for index, entry in enumerate(sequence(spec.get("variables"))):
        entry = mapping(entry)
        path = ("spec", "variables", index, "expression")
        program = compile_one(entry.get("expression"), path, with_variables)
        name = text(entry.get("name"))
        if program is not None and name:
            policy.variables.append(Expression(program, path, name))
    for index, entry in enumerate(sequence(spec.get("validations"))):
        entry = mapping(entry)
        path = ("spec", "validations", index, "expression")
        program = compile_one(entry.get("expression"), path, with_variables)
        message_program = compile_one(entry.get("messageExpression"),
                                      ("spec", "validations", index, "messageExpression"), with_variables)
        if program is not None:
            policy.validations.append(Expression(program, path, message=text(entry.get("message")) or "",
                                                 message_program=message_program,
                                                 reason=text(entry.get("reason")) or "Invalid"))
    for index, entry in enumerate(sequence(spec.get("auditAnnotations"))):  # compiled, never evaluated
        compile_one(mapping(entry).get("valueExpression"), ("spec", "auditAnnotations", index, "valueExpression"),
                    with_variables)
    return policy


# -- matching -------------------------------------------------------------------------------------
class _Context:
    """What matching needs from the tree: resource names of kinds, namespaces, param objects."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.plurals: dict[tuple[str, str], str] = {}
        for resource in tree.resources:
            if resource.kind == "CustomResourceDefinition":
                names = mapping(resource.spec.get("names"))
                group, kind, plural = text(resource.spec.get("group")), text(names.get("kind")), text(
                    names.get("plural"))
                if group is not None and kind and plural:
                    self.plurals[(group, kind)] = plural
        self.namespaces: dict[str, Resource] = {
            resource.name: resource for resource in tree.resources
            if resource.ref.group == "" and resource.kind == "Namespace"}

    def operation(self, resource: Resource) -> tuple[str, Any]:
        """The operation that applying ``resource`` is, with the old object: an update of the earlier state's
        object when it changed, else a create (oldObject null)."""
        earlier = self.tree.earlier
        old = earlier.get(resource.ref) if earlier is not None else None
        if old is None or old.raw == resource.raw:
            return "CREATE", None
        return "UPDATE", old.raw

    def namespace_labels(self, name: str) -> dict[str, str] | None:
        namespace = self.namespaces.get(name)
        if namespace is None:
            return None
        return {**namespace.labels, "kubernetes.io/metadata.name": name}


def _rule_matches(rule: Mapping[str, Any], group: str, version: str, resource_name: str, namespaced: bool,
                  name: str, equivalent: bool, operation: str) -> bool:
    def listed(key: str, value: str) -> bool:
        entries = [entry for entry in sequence(rule.get(key)) if isinstance(entry, str)]
        return "*" in entries or value in entries

    if not listed("apiGroups", group):
        return False
    if not equivalent and not listed("apiVersions", version):
        return False
    if not listed("operations", operation):
        return False
    resources = [entry for entry in sequence(rule.get("resources")) if isinstance(entry, str)]
    if not any(entry in ("*", "*/*", resource_name) for entry in resources):
        return False
    scope = text(rule.get("scope")) or "*"
    if (scope == "Cluster" and namespaced) or (scope == "Namespaced" and not namespaced):
        return False
    names = [entry for entry in sequence(rule.get("resourceNames")) if isinstance(entry, str)]
    return not names or name in names


def _matches(constraints: Mapping[str, Any], resource: Resource, context: _Context,
             operation: str = "CREATE") -> tuple[bool, str]:
    """Whether ``matchConstraints`` / ``matchResources`` select the object; the reason when the tree cannot say."""
    from kubelint.model.selectors import Scope, Selector

    group, version = split_api_version(resource.api_version)
    name = _resource_name(resource, context)
    namespaced = resource.ref.namespace is not None
    equivalent = (text(constraints.get("matchPolicy")) or "Equivalent") == "Equivalent"
    rules = sequence(constraints.get("resourceRules"))
    if not any(_rule_matches(mapping(rule), group, version, name, namespaced, resource.name, equivalent, operation)
               for rule in rules):
        return False, ""
    if any(_rule_matches(mapping(rule), group, version, name, namespaced, resource.name, equivalent, operation)
           for rule in sequence(constraints.get("excludeResourceRules"))):
        return False, ""
    objects = Selector.from_label_selector(constraints.get("objectSelector"), null=Scope.MATCHING)
    if not objects.matches(resource.labels):
        return False, ""
    namespaces = Selector.from_label_selector(constraints.get("namespaceSelector"), null=Scope.MATCHING)
    if namespaces.scope is Scope.MATCHING and not namespaces.requirements:
        return True, ""
    if resource.ref.group == "" and resource.kind == "Namespace":
        return namespaces.matches({**resource.labels, "kubernetes.io/metadata.name": resource.name}), ""
    if not namespaced:
        return True, ""
    namespace = resource.ref.namespace or "default"
    labels = context.namespace_labels(namespace)
    if labels is not None:
        return namespaces.matches(labels), ""
    if all(requirement.key == "kubernetes.io/metadata.name" for requirement in namespaces.requirements):
        return namespaces.matches({"kubernetes.io/metadata.name": namespace}), ""
    return True, f"the tree does not define Namespace {namespace}, so whether the policy's namespaceSelector " \
                 "matches it is assumed"


def _resource_name(resource: Resource, context: _Context) -> str:
    return resource_of(resource.kind, context.plurals, resource.ref.group)


# -- evaluating -----------------------------------------------------------------------------------
class _LazyVariables(dict):  # type: ignore[type-arg]
    """``variables``: each evaluated on first use, in the order the policy declares them."""

    def __init__(self, expressions: list[Expression], bindings: dict[str, Any]) -> None:
        super().__init__()
        self.expressions = {expression.name: expression for expression in expressions}
        self.bindings = bindings
        self.errors: dict[str, Exception] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.expressions

    def __getitem__(self, key: Any) -> Any:
        from kubelint.cel import Budget, CelError

        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if key in self.errors:
            raise self.errors[key]
        expression = self.expressions.get(key)
        if expression is None:
            raise KeyError(key)
        try:
            value = expression.program.evaluate(self.bindings, Budget(EXPRESSION_STEPS, EXPRESSION_SECONDS))
        except CelError as error:
            self.errors[key] = error
            raise
        dict.__setitem__(self, key, value)
        return value

    def __len__(self) -> int:
        return len(self.expressions)

    def __iter__(self) -> Iterator[str]:
        return iter(self.expressions)

    def items(self) -> Any:
        return [(key, self[key]) for key in self.expressions]

    def keys(self) -> Any:
        return list(self.expressions)

    def values(self) -> Any:
        return [self[key] for key in self.expressions]

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self.expressions else default


def _request(resource: Resource, context: _Context, operation: str = "CREATE") -> dict[str, Any]:
    group, version = split_api_version(resource.api_version)
    return {"operation": operation, "kind": {"group": group, "version": version, "kind": resource.kind},
            "resource": {"group": group, "version": version, "resource": _resource_name(resource, context)},
            "requestKind": {"group": group, "version": version, "kind": resource.kind},
            "name": resource.name, "namespace": resource.ref.namespace or "",
            "userInfo": {"username": "", "groups": []}, "dryRun": False, "options": {}}


def _params(policy: Policy, binding: Resource, resource: Resource, context: _Context
            ) -> tuple[list[Any], str, bool]:
    """The params to evaluate with (``[None]`` when the policy takes none), why the tree cannot say, and
    whether the binding denies for want of params."""
    from kubelint.model.selectors import Scope, Selector

    kind = mapping(policy.spec.get("paramKind"))
    if not kind:
        return [None], "", False
    api_version, kind_name = text(kind.get("apiVersion")) or "", text(kind.get("kind")) or ""
    reference = mapping(binding.spec.get("paramRef"))
    if not reference:
        return [], "", False
    group = split_api_version(api_version)[0]
    name = text(reference.get("name"))
    namespace = text(reference.get("namespace"))
    selector = Selector.from_label_selector(reference.get("selector"), null=Scope.NOTHING)
    found = []
    for candidate in context.tree.resources:
        if candidate.kind != kind_name or candidate.ref.group != group:
            continue
        if candidate.ref.namespace is not None:
            wanted = namespace or resource.ref.namespace
            if candidate.ref.namespace != wanted:
                continue
        if (name is not None and candidate.name == name) or (name is None and selector.matches(candidate.labels)):
            found.append(candidate.raw)
    if not found and not namespace:
        # a params kind whose scope the tree does not tell (no CRD): objects written without a namespace are
        # taken as cluster-scoped params, as a Gatekeeper constraint is
        for candidate in context.tree.resources:
            if candidate.kind == kind_name and candidate.ref.group == group and not candidate.namespace_given and (
                    (name is not None and candidate.name == name)
                    or (name is None and selector.matches(candidate.labels))):
                found.append(candidate.raw)
    if found:
        return found, "", False
    deny = text(reference.get("parameterNotFoundAction")) == "Deny"
    return [], f"no {kind_name} params in the tree match the binding's paramRef", deny


def _decide(policy: Policy, binding: Resource, actions: tuple[str, ...], resource: Resource,
            context: _Context) -> Iterator[Decision]:
    from kubelint.cel import Budget, CelError

    operation, old_object = context.operation(resource)
    matched, assumed = _matches(policy.spec.get("matchConstraints") or {}, resource, context, operation)
    if not matched:
        return
    binding_match = binding.spec.get("matchResources")
    if isinstance(binding_match, dict) and binding_match:
        matched, assumed_too = _matches({"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"],
                                                            "operations": ["*"], "resources": ["*"]}],
                                         **binding_match}, resource, context, operation)
        if not matched:
            return
        assumed = assumed or assumed_too
    fail = (text(policy.spec.get("failurePolicy")) or "Fail") == "Fail"
    verb = "denies" if "Deny" in actions else "warns about" if "Warn" in actions else "audits"
    label = f"ValidatingAdmissionPolicy {policy.resource.name} (binding {binding.name})"
    if operation == "UPDATE" and context.tree.earlier is not None:
        label += f", on the update from {context.tree.earlier.revision},"
    params_list, params_unknown, deny_missing = _params(policy, binding, resource, context)
    if not params_list:
        if deny_missing:
            yield Decision(resource, policy.resource, binding, actions,
                           f"{label} {verb} {resource.kind} {resource.name}: {params_unknown} "
                           "(parameterNotFoundAction: Deny)", uncertain=params_unknown)
        return
    namespace_object = None
    if resource.ref.namespace is not None:
        found = context.namespaces.get(resource.ref.namespace)
        namespace_object = found.raw if found is not None else None
    reported: set[Path] = set()
    for params in params_list:
        bindings: dict[str, Any] = {"object": resource.raw, "oldObject": old_object,
                                    "request": _request(resource, context, operation),
                                    "params": params, "namespaceObject": namespace_object}
        bindings["variables"] = _LazyVariables(policy.variables, bindings)
        held = _reads_authorizer(policy)
        if held:
            yield Decision(resource, policy.resource, binding, actions, f"{label}: not evaluated on "
                           f"{resource.kind} {resource.name}", held=held)
            return
        try:
            conditions = [condition.program.evaluate(bindings, Budget(EXPRESSION_STEPS, EXPRESSION_SECONDS))
                          for condition in policy.conditions]
        except CelError as error:
            if fail:
                yield Decision(resource, policy.resource, binding, actions,
                               f"{label} {verb} {resource.kind} {resource.name}: a matchCondition fails to "
                               f"evaluate: {error.message} (failurePolicy: Fail)",
                               uncertain="kubelint evaluates without the API server's type check")
            return
        if not all(value is True for value in conditions):
            continue
        for validation in policy.validations:  # the first failure at a place is the one the user sees
            decision = _validate(validation, bindings, f"{label} {verb}", resource, policy, binding, actions, fail,
                                 assumed)
            if decision is not None and decision.path not in reported:
                reported.add(decision.path)
                yield decision


def _validate(validation: Expression, bindings: dict[str, Any], label: str, resource: Resource, policy: Policy,
              binding: Resource, actions: tuple[str, ...], fail: bool, assumed: str) -> Decision | None:
    from kubelint.cel import Budget, CelError, CostExceeded

    try:
        result = validation.program.evaluate(bindings, Budget(EXPRESSION_STEPS, EXPRESSION_SECONDS))
    except CostExceeded as error:
        return Decision(resource, policy.resource, binding, actions,
                        f"{label} {resource.kind} {resource.name}? It could not tell: {error.message}", (),
                        validation.path,
                        uncertain="the expression ran over kubelint's budget")
    except CelError as error:
        if not fail:
            return None
        missing = error.message.removeprefix("no such key: ") if error.message.startswith("no such key: ") else ""
        if missing in DEFAULTED_FIELDS:
            return Decision(resource, policy.resource, binding, actions, f"{label} {resource.kind} "
                            f"{resource.name}", held=f"the expression reads {missing}, which the API server may "
                            "default before admission and the object does not set")
        return Decision(resource, policy.resource, binding, actions,
                        f"{label} {resource.kind} {resource.name}: the expression fails to evaluate: "
                        f"{error.message} (failurePolicy: Fail)", _field(validation, resource), validation.path,
                        uncertain=assumed or "kubelint evaluates without the API server's type check")
    if result is True:
        return None
    message = _message(validation, bindings)
    return Decision(resource, policy.resource, binding, actions, f"{label} {resource.kind} {resource.name}: "
                    f"{message}", _field(validation, resource), validation.path, uncertain=assumed)


def _message(validation: Expression, bindings: dict[str, Any]) -> str:
    from kubelint.cel import Budget, CelError

    if validation.message_program is not None:
        try:
            result = validation.message_program.evaluate(bindings, Budget(EXPRESSION_STEPS, EXPRESSION_SECONDS))
        except CelError:
            result = None
        if isinstance(result, str) and result.strip():
            return _excerpt(result)
    if validation.message:
        return _excerpt(validation.message)
    return "failed expression: " + _excerpt(validation.program.text)


def _excerpt(message: str, limit: int = 300) -> str:
    single = " ".join(message.split())
    return single if len(single) <= limit else single[:limit - 3] + "..."


def _field(validation: Expression, resource: Resource) -> Path:
    return field_of(validation.program, resource)


def field_of(program: Program, resource: Resource) -> Path:
    """The field an expression reads, when it reads exactly one path under ``object``: the deepest part of it the
    object has (``()``, the object itself, otherwise)."""
    from kubelint.cel import field_paths

    paths = field_paths(program.tree, "object")
    if len(paths) > 1:
        paths.discard(())  # `object == null` and the like read the object whole, not a field
    if len(paths) != 1:
        return ()
    (path,) = paths
    while path and resource.get(path) is None:
        path = path[:-1]
    return path


def _reads_authorizer(policy: Policy) -> str:
    from kubelint.cel import identifiers

    for expression in (*policy.conditions, *policy.variables, *policy.validations):
        if "authorizer" in identifiers(expression.program.tree):
            return "the policy asks the authorizer, which kubelint cannot do offline"
    return ""


__all__ = ["Admission", "Decision", "ExpressionProblem", "admission", "resource_of", "string_map"]
