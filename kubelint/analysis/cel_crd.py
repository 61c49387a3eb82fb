"""CRD validation rules: the ``x-kubernetes-validations`` (CEL) and ``x-kubernetes-list-type`` of each CRD in
the tree (and of the JSON schemas under ``--schema-location``), evaluated on the custom resources as the API
server evaluates them on create.

The ``crd-rules`` analysis compiles every rule once (a rule that does not compile is a :class:`RuleProblem`,
located at the rule in its CRD); :func:`violations` walks one custom resource along its schema: defaults are
applied and values typed as the schema says (``number`` as double, ``date-time`` as timestamp, ``duration``,
``byte``), then each rule runs with ``self`` at its node, for every instance of that node (each list item,
each map value). Transition rules (reading ``oldSelf``) run only on updates: when the run compares with an
earlier state (``--new-since``, the hook) and the object is there and changed, with ``oldSelf`` at the
correlated old node (same property, same map key, same item of an ``x-kubernetes-list-type: map`` list; items of
other lists do not correlate); otherwise only rules with ``optionalOldSelf: true`` run, with ``oldSelf`` empty.
The CEL engine is imported only when a tree has rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.analysis import analysis_of
from kubelint.findings import Path
from kubelint.model.resource import Resource, mapping, sequence, split_api_version, text
from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.cel import Program
    from kubelint.model.tree import Tree

RULE_SECONDS = 0.5
"""The time one rule may take on one object (the API server bounds cost statically; we bound time)."""
RULE_STEPS = 2_000_000

REASONS = {"FieldValueInvalid": "Invalid value", "FieldValueForbidden": "Forbidden",
           "FieldValueRequired": "Required value", "FieldValueDuplicate": "Duplicate value"}


@record
class CrdRule:
    """One ``x-kubernetes-validations`` entry, compiled."""

    rule: str
    program: Program
    message: str | None
    message_program: Program | None
    field_path: tuple[str | int, ...] | None
    reason: str
    origin: Resource | None
    """The CRD that holds the rule (None for a schema from ``--schema-location``)."""
    origin_path: Path
    over_budget: bool = False
    transition: bool = False
    """The rule reads ``oldSelf``: evaluated on updates only (unless ``optional_old_self``)."""
    optional_old_self: bool = False
    """``optionalOldSelf: true``: also evaluated on create, with ``oldSelf`` an empty optional."""


@record
class SchemaNode:
    """A schema node with its rules and its children (what the walk needs, nothing else)."""

    rules: list[CrdRule] = field(default_factory=list)
    properties: dict[str, SchemaNode] = field(default_factory=dict)
    items: SchemaNode | None = None
    additional: SchemaNode | None = None
    type: str = ""
    format: str = ""
    default: Any = None
    has_default: bool = False
    list_type: str = ""
    map_keys: tuple[str, ...] = ()
    path: Path = ()
    transition: bool = False
    """A transition rule is at this node or under it."""


@record
class RuleProblem:
    """A rule that cannot run: it does not compile (the API server refuses the CRD) or uses what kubelint lacks."""

    message: str
    origin: Resource | None
    path: Path
    weaker: bool = False
    line: int = 0
    """The line of the problem inside a multi-line (block scalar) expression, 0 for the first."""


@record
class CrdRules:
    """The rules of every custom kind: ``(group, version, kind)`` -> root schema node, compiled on first use.

    Two checks read it for different things: ``crd-validation-failed`` needs the schema nodes of the kinds that
    have objects in the tree (:meth:`schema_of` builds a kind's on first use), ``cel-expression-invalid`` needs
    whether each rule of a linted CRD compiles (:meth:`problems_of`, which compiles the rules without building
    nodes). A rule is compiled once for both."""

    schemas: dict[tuple[str, str, str], tuple[dict[str, Any], Resource, Path]] = field(default_factory=dict)
    """The schema of each custom kind of the tree's CRDs (the first CRD that serves it), its CRD and its path."""
    kinds: dict[tuple[str, str, str], SchemaNode | None] = field(default_factory=dict)
    """The schema nodes built so far."""
    location_problems: dict[tuple[str, str, str], list[RuleProblem]] = field(default_factory=dict)
    """Rules of ``--schema-location`` schemas that cannot run (reported on the resources of that kind)."""
    locations: list[str] = field(default_factory=list)
    kubernetes: str = ""
    strict: bool = True
    max_size: int = 0
    _compiled: dict[tuple[int, Path], tuple[CrdRule | None, list[RuleProblem]]] = field(default_factory=dict)
    """Each rule of the tree's CRDs compiled, by (CRD, path of the entry), with what kept it from compiling."""

    def schema_of(self, resource: Resource) -> SchemaNode | None:
        """The rules that apply to a custom resource (None when its kind has none)."""
        group, version = split_api_version(resource.api_version)
        key = (group, version, resource.kind)
        if key not in self.kinds:
            if key in self.schemas:
                raw, origin, path = self.schemas[key]
                try:
                    self.kinds[key] = _node(raw, origin, path, [], (), self._compile)
                except RecursionError:
                    self.kinds[key] = None
            elif self.locations:
                self.kinds[key] = self._from_location(group, version, resource.kind)
        return self.kinds.get(key)

    def problems_of(self, crd: Resource) -> list[RuleProblem]:
        """The rules of a CRD of the tree that cannot run (they do not compile: the API server refuses the CRD),
        in the order of its served versions and of its schema."""
        problems: list[RuleProblem] = []
        for raw, origin, path in self.schemas.values():
            if origin is crd:
                for entry, at in _rule_entries(raw, path):
                    self._compile(entry, origin, at, problems)
        return problems

    def _compile(self, entry: Mapping[str, Any], origin: Resource | None, path: Path,
                 problems: list[RuleProblem]) -> CrdRule | None:
        key = (id(origin), path)
        compiled = self._compiled.get(key)
        if compiled is None:
            found: list[RuleProblem] = []
            compiled = self._compiled[key] = (_compile_rule(entry, origin, path, found), found)
        problems.extend(compiled[1])
        return compiled[0]

    def _from_location(self, group: str, version: str, kind: str) -> SchemaNode | None:
        from kubelint.schema.store import candidates, read_schema

        for folder in self.locations:
            raw = None
            for candidate in candidates(folder, group, version, kind, self.kubernetes, self.strict):
                if os.path.lexists(candidate):
                    raw = read_schema(candidate, self.max_size)[0]
                    if raw is not None:  # a file that cannot be used is schema-invalid's finding (unreadable-file)
                        break
            if raw is not None:
                if "x-kubernetes-validations" not in _text_keys(raw):
                    return None
                problems = self.location_problems.setdefault((group, version, kind), [])
                try:
                    return _node(raw, None, (), problems, ())
                except RecursionError:
                    return None
        return None


def _text_keys(raw: Any) -> set[str]:
    """Every mapping key in a nested structure (to skip schemas without rules cheaply)."""
    keys: set[str] = set()
    stack = [raw]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return keys


@analysis_of("crd-validations")
def crd_rules(tree: Tree) -> CrdRules:
    """The schema of every custom kind the tree's CRDs serve, its rules compiled on first use (see
    :class:`CrdRules`; CEL is imported only when a rule is compiled)."""
    from kubelint.schema.builtin import resolve_version
    from kubelint.schema.crd import crd_versions

    found = CrdRules(locations=list(tree.options.schema_location), strict=tree.options.strict,
                     max_size=tree.options.max_file_size)
    if found.locations:
        found.kubernetes = resolve_version(tree.options.kubernetes_version)
    for resource in tree.resources:
        if resource.kind != "CustomResourceDefinition" or resource.ref.group != "apiextensions.k8s.io":
            continue
        for served in crd_versions(resource):
            key = (served.group, served.version, served.kind)
            if key not in found.schemas and isinstance(served.schema, dict):
                found.schemas[key] = (served.schema, resource, served.schema_path)
    return found


_SCHEMA_CHILDREN = ("properties", "items", "additionalProperties")
_KEPT = ("x-kubernetes-validations", "default", "x-kubernetes-list-type", *_SCHEMA_CHILDREN)
"""Keys that make a schema node matter to the rules' walk (besides a ``number`` type and the typed formats)."""
_TYPED_FORMATS = ("date-time", "duration", "byte")


def _rule_entries(raw: dict[str, Any], path: Path) -> Iterator[tuple[Mapping[str, Any], Path]]:
    """Every ``x-kubernetes-validations`` entry of a schema with its path, in the order :func:`_node` meets them
    (a node's own rules, then its properties in order, its items, its additionalProperties)."""
    stack: list[tuple[dict[str, Any], Path]] = [(raw, path)]
    while stack:
        node, at = stack.pop()
        for index, entry in enumerate(sequence(node.get("x-kubernetes-validations"))):
            yield mapping(entry), (*at, "x-kubernetes-validations", index)
        children: list[tuple[dict[str, Any], Path]] = []
        for name, child in mapping(node.get("properties")).items():
            if isinstance(child, dict) and _may_hold_rules(child):
                children.append((child, (*at, "properties", name)))
        for key in ("items", "additionalProperties"):
            child = node.get(key)
            if isinstance(child, dict) and _may_hold_rules(child):
                children.append((child, (*at, key)))
        stack.extend(reversed(children))


def _may_hold_rules(raw: dict[str, Any]) -> bool:
    return "x-kubernetes-validations" in raw or "properties" in raw or "items" in raw or "additionalProperties" in raw


def _node(raw: dict[str, Any], origin: Resource | None, path: Path, problems: list[RuleProblem],
          object_path: Path, compile_rule: Callable[[Mapping[str, Any], Resource | None, Path, list[RuleProblem]],
                                                    CrdRule | None] | None = None) -> SchemaNode | None:
    """The schema node at ``raw`` (None when neither it nor anything under it has rules or list types)."""
    if raw.get("type") != "number" and raw.get("format") not in _TYPED_FORMATS:
        for key in _KEPT:
            if key in raw:
                break
        else:
            return None  # most nodes: a leaf without rules, default, list type or typed value
    compile_rule = compile_rule or _compile_rule
    node = SchemaNode(path=object_path)
    node.type = text(raw.get("type")) or ""
    node.format = text(raw.get("format")) or ""
    if "default" in raw:
        node.default, node.has_default = raw["default"], True
    node.list_type = text(raw.get("x-kubernetes-list-type")) or ""
    node.map_keys = tuple(key for key in sequence(raw.get("x-kubernetes-list-map-keys")) if isinstance(key, str))
    for index, entry in enumerate(sequence(raw.get("x-kubernetes-validations"))):
        rule = compile_rule(mapping(entry), origin, (*path, "x-kubernetes-validations", index), problems)
        if rule is not None:
            node.rules.append(rule)
    for name, child in mapping(raw.get("properties")).items():
        if isinstance(child, dict):
            built = _node(child, origin, (*path, "properties", name), problems, (*object_path, name), compile_rule)
            if built is not None:
                node.properties[name] = built
    items = raw.get("items")
    if isinstance(items, dict):
        node.items = _node(items, origin, (*path, "items"), problems, (*object_path, "*"), compile_rule)
    additional = raw.get("additionalProperties")
    if isinstance(additional, dict):
        node.additional = _node(additional, origin, (*path, "additionalProperties"), problems, (*object_path, "*"),
                                compile_rule)
    node.transition = any(rule.transition for rule in node.rules) or any(
        child is not None and child.transition
        for child in (*node.properties.values(), node.items, node.additional))
    typed = node.type == "number" or node.format in _TYPED_FORMATS or node.has_default
    if node.rules or node.properties or node.items or node.additional or node.list_type or typed:
        return node
    return None


def _compile_rule(entry: Mapping[str, Any], origin: Resource | None, path: Path,
                  problems: list[RuleProblem]) -> CrdRule | None:
    from kubelint.cel import CelSyntaxError, compile_expression, identifiers, line_column

    rule = entry.get("rule")
    if not isinstance(rule, str):
        problems.append(RuleProblem("x-kubernetes-validations entry without a rule string", origin, path))
        return None
    try:
        program = compile_expression(rule, ("self", "oldSelf"))
    except CelSyntaxError as error:
        problems.append(_syntax_problem(error, rule, origin, (*path, "rule"), line_column))
        return None
    transition = "oldSelf" in identifiers(program.tree)
    message_program = None
    message_expression = entry.get("messageExpression")
    if isinstance(message_expression, str):
        try:
            message_program = compile_expression(message_expression, ("self", "oldSelf"))
        except CelSyntaxError as error:
            problems.append(_syntax_problem(error, message_expression, origin, (*path, "messageExpression"),
                                            line_column))
    field_path = None
    raw_field_path = entry.get("fieldPath")
    if isinstance(raw_field_path, str) and raw_field_path:
        field_path = parse_field_path(raw_field_path)
        if field_path is None:
            problems.append(RuleProblem(f"fieldPath {raw_field_path!r} is not a valid path (.a.b or .a['b'])",
                                        origin, (*path, "fieldPath")))
    reason = text(entry.get("reason")) or "FieldValueInvalid"
    return CrdRule(rule, program, text(entry.get("message")), message_program, field_path,
                   reason if reason in REASONS else "FieldValueInvalid", origin, path, transition=transition,
                   optional_old_self=entry.get("optionalOldSelf") is True)


def _syntax_problem(error: Any, source: str, origin: Resource | None, path: Path, line_column: Any) -> RuleProblem:
    line, column = line_column(source, error.offset)
    where = f" (line {line + 1}, column {column + 1} of the expression)" if "\n" in source.strip() else \
        f" (column {column + 1})"
    unknown = error.message.startswith("undeclared reference")
    message = f"CEL expression does not compile: {error.message}{where}"
    if unknown:
        message += "; kubelint may lack a newer Kubernetes CEL function"
    return RuleProblem(message, origin, path, weaker=unknown, line=line if "\n" in source.rstrip("\n") else 0)


_FIELD_PATH = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")


def parse_field_path(text_path: str) -> tuple[str | int, ...] | None:
    """A ``fieldPath`` (``.spec.x``, ``.m['a.b']``, ``.l[0]``) as path parts, or None when it is not one."""
    parts: list[str | int] = []
    position = 0
    while position < len(text_path):
        match = _FIELD_PATH.match(text_path, position)
        if match is None:
            return None
        name, quoted, index = match.groups()
        if name is not None:
            parts.append(name)
        elif quoted is not None:
            parts.append(quoted.replace("\\'", "'").replace("\\\\", "\\"))
        else:
            parts.append(int(index))
        position = match.end()
    return tuple(parts)


# -- evaluation -----------------------------------------------------------------------------------
@record(frozen=True)
class Violation:
    """A rule or a list type that a custom resource breaks, at ``path`` in the object."""

    message: str
    path: Path
    rule: CrdRule | None = None
    weaker: bool = False
    """The rule could not be evaluated (an evaluation error or the budget), rather than being false."""


_NO_OLD = object()
"""No correlated old value (a create, or a node the old object lacks or that does not correlate)."""


def violations(schema: SchemaNode, resource: Resource, old: Resource | None = None) -> Iterator[Violation]:
    """What the API server's validation rules would refuse in ``resource`` on create, or on update from ``old``
    (an unchanged object is no update: nothing is sent, so its transition rules do not run)."""
    value = _root_value(schema, resource.raw)
    old_value = _root_value(schema, old.raw) if old is not None and old.raw != resource.raw else _NO_OLD
    yield from _walk(schema, value, (), old_value)


def _root_value(schema: SchemaNode, raw: Any) -> Any:
    value = typed(schema, raw)
    if isinstance(value, dict) and isinstance(value.get("metadata"), dict):
        # rules see only the name and generateName of the root's metadata
        value = dict(value)
        value["metadata"] = {key: item for key, item in value["metadata"].items() if key in ("name", "generateName")}
    return value


def typed(schema: SchemaNode | None, value: Any) -> Any:
    """``value`` with the schema's defaults applied and its values typed as CEL sees them."""
    from kubelint.cel.values import Duration, Timestamp, parse_duration, parse_timestamp

    if schema is None:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            child = schema.properties.get(key, schema.additional) if isinstance(key, str) else None
            out[key] = typed(child, item)
        for key, child in schema.properties.items():
            if key not in out and child.has_default:
                out[key] = typed(child, child.default)
        return out
    if isinstance(value, list):
        return [typed(schema.items, item) for item in value]
    if schema.type == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        from kubelint.cel.values import CelError

        try:
            if schema.format == "date-time":
                stamp: Timestamp = parse_timestamp(value)
                return stamp
            if schema.format == "duration":
                span: Duration = parse_duration(value)
                return span
        except CelError:
            return value
        if schema.format == "byte":
            import base64
            import binascii

            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return value
    return value


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "array": (list,), "string": (str,),
                                              "integer": (int,), "number": (int, float), "boolean": (bool,)}


def _walk(schema: SchemaNode, value: Any, path: Path, old: Any = _NO_OLD) -> Iterator[Violation]:
    if value is None:
        return
    expected = _PYTHON_TYPES.get(schema.type)
    if expected is not None and not isinstance(value, expected) and schema.format not in (
            "date-time", "duration", "byte"):
        return  # the wrong type is schema-invalid's finding; the API server would not reach the rules
    if old is None or (expected is not None and not isinstance(old, expected) and schema.format not in (
            "date-time", "duration", "byte")):
        old = _NO_OLD
    for rule in schema.rules:
        yield from _evaluate(rule, value, path, old)
    if isinstance(value, list):
        yield from _list_type(schema, value, path)
        if schema.items is not None:
            old_items = _correlated_items(schema, old) if schema.items.transition else {}
            for index, item in enumerate(value):
                old_item = old_items.get(_map_key(schema, item), _NO_OLD) if old_items else _NO_OLD
                yield from _walk(schema.items, item, (*path, index), old_item)
    elif isinstance(value, dict):
        old_map = old if isinstance(old, dict) else {}
        for key, item in value.items():
            child = schema.properties.get(key, schema.additional) if isinstance(key, str) else None
            if child is not None:
                yield from _walk(child, item, (*path, key), old_map.get(key, _NO_OLD))


def _map_key(schema: SchemaNode, item: Any) -> tuple[Any, ...] | None:
    if not isinstance(item, dict):
        return None
    return tuple(repr(item.get(name)) for name in schema.map_keys)


def _correlated_items(schema: SchemaNode, old: Any) -> dict[tuple[Any, ...] | None, Any]:
    """The old list's items by map key: only ``x-kubernetes-list-type: map`` lists correlate their items."""
    if schema.list_type != "map" or not schema.map_keys or not isinstance(old, list):
        return {}
    found: dict[tuple[Any, ...] | None, Any] = {}
    for item in old:
        key = _map_key(schema, item)
        if key is not None:
            found.setdefault(key, item)
    return found


def _evaluate(rule: CrdRule, value: Any, path: Path, old: Any = _NO_OLD) -> Iterator[Violation]:
    from kubelint.cel import Budget, CelError, CostExceeded, Optional

    if rule.over_budget:
        return
    bindings: dict[str, Any] = {"self": value}
    if rule.transition:
        if old is _NO_OLD and not rule.optional_old_self:
            return  # a create, or no correlated old value: the API server does not run it
        if rule.optional_old_self:
            bindings["oldSelf"] = Optional() if old is _NO_OLD else Optional(old)
        else:
            bindings["oldSelf"] = old
    try:
        result = rule.program.evaluate(bindings, Budget(RULE_STEPS, RULE_SECONDS))
    except CostExceeded as error:
        rule.over_budget = True
        yield Violation(f"rule {_excerpt(rule.rule)} could not be evaluated: {error.message} (not evaluated on "
                        "further objects)", path, rule, weaker=True)
        return
    except CelError as error:
        yield Violation(f"rule {_excerpt(rule.rule)} fails to evaluate: {error.message}", path, rule, weaker=True)
        return
    if result is True:
        return
    if result is not False:
        yield Violation(f"rule {_excerpt(rule.rule)} gives {type(result).__name__}, not bool", path, rule, True)
        return
    message = _message(rule, bindings)
    target = path if rule.field_path is None else (*path, *rule.field_path)
    yield Violation(f"{REASONS[rule.reason]}: {message}", target, rule)


def _message(rule: CrdRule, bindings: dict[str, Any]) -> str:
    from kubelint.cel import Budget, CelError

    if rule.message_program is not None:
        try:
            result = rule.message_program.evaluate(bindings, Budget(RULE_STEPS, RULE_SECONDS))
        except CelError:
            result = None
        if isinstance(result, str) and result.strip():
            return _excerpt(result, 300, quote=False)
    if rule.message:
        return _excerpt(rule.message, 300, quote=False)
    return f"failed rule: {_excerpt(rule.rule, 200, quote=False)}"


def _excerpt(source: str, limit: int = 120, quote: bool = True) -> str:
    single = " ".join(source.split())
    if len(single) > limit:
        single = single[:limit - 3] + "..."
    return f"'{single}'" if quote else single


def _list_type(schema: SchemaNode, value: list[Any], path: Path) -> Iterator[Violation]:
    from kubelint.cel.values import equals

    if schema.list_type == "set":
        seen: list[Any] = []
        for index, item in enumerate(value):
            if any(equals(item, earlier) for earlier in seen):
                yield Violation(f"Duplicate value: {_excerpt(repr(item), 80, quote=False)} (x-kubernetes-list-type: "
                                "set)", (*path, index))
            seen.append(item)
    elif schema.list_type == "map" and schema.map_keys:
        keys: list[tuple[Any, ...]] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            key = tuple(item.get(name) for name in schema.map_keys)
            if any(all(equals(a, b) for a, b in zip(key, earlier, strict=True)) for earlier in keys):
                shown = ", ".join(f"{name}={item.get(name)!r}" for name in schema.map_keys)
                yield Violation(f"Duplicate value: an item with {shown} is already in the list "
                                "(x-kubernetes-list-type: map)", (*path, index))
            keys.append(key)
