"""JSON Schema as a policy language (as Polaris does): per-object, per-pod-spec and per-container schemas.

A rule names one of these checks and gives the schema in its params::

    check: container-schema
    params:
      message: container "{container}" of {kind} {name} runs privileged
      schema:
        properties:
          securityContext:
            properties:
              privileged: {not: {const: true}}

Every target node that the schema rejects yields one hit located at the failing node (every node that
fails yields its own hit), so ``privileged: true`` is reported at that line. Each rule's schema is
compiled once. ``jsonschema_rs`` answers "valid?" (about a hundred times faster than ``jsonschema``)
and, for schemas made of the keywords in :data:`LOCATED_ALIKE`, also says which nodes fail: there its
errors fall on exactly the nodes jsonschema's do (compared on every fixture and corpus, and on generated
schemas). ``jsonschema`` (a 40 ms import) is used only for the other schemas and for messages that
show jsonschema's own ``{error}`` text. Without ``jsonschema_rs``, or for a schema it does not take,
``jsonschema`` does all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from kubelint.analysis.templates import linted_templates
from kubelint.checks import Hit, Params, check, validates
from kubelint.checks.schema_refs import schema_problem
from kubelint.findings import Path, dotted
from kubelint.model.resource import PodTemplate
from kubelint.model.workloads import WorkloadKind, template_of
from kubelint.progress import InternalError

if TYPE_CHECKING:
    from kubelint.model.resource import Resource
    from kubelint.model.tree import Tree

_COMMON = {"kind", "name", "namespace", "error", "path", "item", "value"}
PLACEHOLDERS = {
    "object-schema": _COMMON,
    "podspec-schema": _COMMON,
    "container-schema": _COMMON | {"container"},
}
"""The placeholders each check fills in the rule's ``message``: the object's ``kind``, ``name`` and
``namespace``; jsonschema's ``error`` message; the failing node's ``path`` (dotted, relative to the
validated node), the ``name`` of the innermost list ``item`` on that path (an env var, a volume, a port)
and its ``value`` when it is a scalar; and for container-schema the ``container`` name."""

_COMMON_PARAMS: dict[str, Any] = {
    "schema": {"type": ["object", "boolean"], "required": True,
               "description": "The JSON Schema (draft 2020-12) every target node must satisfy."},
    "message": {"type": "string",
                "description": "The finding's message, with placeholders (see PLACEHOLDERS); default "
                               "'{kind} {name}: {error}'."},
    "kinds": {"type": "array", "items": {"type": "string"},
              "description": "Only objects of these kinds ('Deployment' or 'apps/Deployment'); default all."},
    "exclude-kinds": {"type": "array", "items": {"type": "string"},
                      "description": "Not objects of these kinds."},
}
PARAMS: dict[str, dict[str, Any]] = {
    "object-schema": _COMMON_PARAMS,
    "podspec-schema": _COMMON_PARAMS,
    "container-schema": {**_COMMON_PARAMS, "init-containers": {
        "type": "boolean", "description": "Also check init containers (default true)."}},
}
"""The params each schema check accepts (a rule naming another key is refused when it loads)."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


USE_FAST = True
"""Answer "valid?" with ``jsonschema_rs`` when it is installed (tests turn it off to compare)."""

LOCATED_ALIKE: frozenset[str] = frozenset({
    # subschemas applied to the node or its children
    "properties", "items", "not", "anyOf", "allOf", "oneOf", "if", "then", "else",
    # assertions about the node itself
    "type", "const", "enum", "pattern", "required", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties",
    # annotations
    "title", "description", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly", "format",
    "$schema",
})
"""Keywords whose failures ``jsonschema_rs`` reports at the same nodes as ``jsonschema``; a schema using
any other keyword (``$ref``, ``additionalProperties``, ``contains``, ...) is explained by jsonschema."""

_SUBSCHEMA = frozenset({"items", "not", "if", "then", "else"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf"})


def located_alike(schema: Any) -> bool:
    """Whether every keyword of ``schema`` (and of its subschemas) is in :data:`LOCATED_ALIKE`."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict) or not set(node) <= LOCATED_ALIKE:
            return False
        for key, value in node.items():
            if key == "properties":
                if not isinstance(value, dict):
                    return False
                stack.extend(value.values())
            elif key in _SUBSCHEMA:
                if key == "items" and value is False:  # jsonschema fails the list, jsonschema_rs its items
                    return False
                stack.append(value)
            elif key in _SUBSCHEMA_LISTS:
                if not isinstance(value, list):
                    return False
                stack.extend(value)
    return True


class _Compiled:
    """The validators of one distinct schema: ``jsonschema_rs`` for "valid?", ``jsonschema`` to explain."""

    def __init__(self, schema_json: str) -> None:
        self.schema_json = schema_json
        self._slow: Any = None
        self._fast: Any = None  # None: not tried yet; False: cannot be had
        self._locates: bool | None = None

    @property
    def slow(self) -> Any:
        """The ``jsonschema`` validator (imports jsonschema on first use)."""
        if self._slow is None:
            from jsonschema import Draft202012Validator

            from kubelint.patterns import linear

            self._slow = linear(Draft202012Validator)(json.loads(self.schema_json))  # patterns on RE2
        return self._slow

    @property
    def fast(self) -> Any:
        """The ``jsonschema_rs`` validator, or None (not installed, or a schema it does not take)."""
        if self._fast is None:
            self._fast = False
            try:
                import jsonschema_rs  # type: ignore[import-not-found, unused-ignore]

                # offline: a schema is never fetched from anywhere (user rules may only use local $refs);
                # patterns on the regex crate, linear in time (the default engine backtracks on some patterns)
                self._fast = jsonschema_rs.Draft202012Validator(json.loads(self.schema_json), validate_formats=False,
                                                                offline=True,
                                                                pattern_options=jsonschema_rs.RegexOptions())
            except Exception:  # not installed, or a schema it does not compile: jsonschema does all
                self._fast = False
        return self._fast or None

    @property
    def locates(self) -> bool:
        """Whether ``jsonschema_rs`` may say which nodes fail (see :data:`LOCATED_ALIKE`)."""
        if self._locates is None:
            self._locates = self.fast is not None and located_alike(json.loads(self.schema_json))
        return self._locates and USE_FAST

    def failing_nodes(self, instance: Any) -> list[Path] | None:
        """The nodes of ``instance`` that fail, by ``jsonschema_rs``, or None when it cannot say."""
        if not self.locates:
            return None
        try:
            found: dict[Path, None] = {}
            for error in self.fast.iter_errors(instance):
                found.setdefault(tuple(error.instance_path), None)
            return list(found)
        except Exception:  # a value it cannot convert: jsonschema explains
            return None

    def valid(self, instance: Any) -> bool:
        """Whether ``instance`` satisfies the schema, as quickly as can be said (False: explain it)."""
        fast = self.fast if USE_FAST else None
        if fast is None:
            return False
        try:
            return bool(fast.is_valid(instance))
        except Exception:  # a value it cannot convert (an integer beyond 64 bits): let jsonschema judge
            return False


@cache
def _compiled(schema_json: str) -> _Compiled:
    """The validators of a schema (given as canonical JSON text so that it can be a cache key)."""
    return _Compiled(schema_json)


_BY_OBJECT: dict[int, tuple[Any, _Compiled]] = {}


def _compiled_for(params: Params) -> _Compiled:
    schema = params.get("schema", {})
    known = _BY_OBJECT.get(id(schema))
    if known is not None and known[0] is schema:  # the same rule's params: skip re-serializing
        return known[1]
    compiled = _compiled(json.dumps(schema, sort_keys=True, default=str))
    _BY_OBJECT[id(schema)] = (schema, compiled)
    return compiled


def validator(params: Params) -> Any:
    """The ``jsonschema`` validator of a rule's ``schema`` param (compiled once per distinct schema)."""
    return _compiled_for(params).slow


def schema_errors(params: Params, instance: Any) -> list[tuple[Path, str]]:
    """Where ``instance`` fails the rule's schema: one (path inside the instance, message) per failing node.

    Empty when the instance satisfies the schema. Two volumes that break the rule are two errors; two
    keywords failing on the same node are one.
    """
    compiled = _compiled_for(params)
    if compiled.valid(instance):
        return []
    found: dict[Path, str] = {}
    for error in compiled.slow.iter_errors(instance):
        path = tuple(error.absolute_path)
        if error.validator is None and error.relative_schema_path and error.relative_schema_path[-1] == "properties":
            path = _false_property(params, error, instance, path)
        found.setdefault(path, str(error.message))
    return list(found.items())


def _false_property(params: Params, error: Any, instance: Any, path: Path) -> Path:
    """jsonschema leaves the property off the path of a ``name: false`` subschema: find it again."""
    properties: Any = params.get("schema")
    for part in error.absolute_schema_path:  # keywords, and indexes into allOf/anyOf/oneOf lists
        if isinstance(properties, dict):
            properties = properties.get(part)
        elif isinstance(properties, list) and isinstance(part, int) and 0 <= part < len(properties):
            properties = properties[part]
        else:
            properties = None
    node: Any = instance
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return path
    if isinstance(properties, dict) and isinstance(node, dict):
        for key, subschema in properties.items():
            if subschema is False and key in node:
                return (*path, key)
    return path


def format_message(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{kind}``-style placeholders; unknown ones stay as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def _kind_names(kinds: Any) -> frozenset[str]:
    return frozenset(kind for kind in kinds if isinstance(kind, str)) if isinstance(kinds, list) else frozenset()


def _kind_matches(resource: Resource, names: frozenset[str]) -> bool:
    return resource.kind in names or f"{resource.ref.group}/{resource.kind}" in names


def selected(resource: Resource, params: Params) -> bool:
    """Whether the rule's ``kinds`` (default: all) and ``exclude-kinds`` let a resource through."""
    if "kinds" in params and not _kind_matches(resource, _kind_names(params["kinds"])):
        return False
    return not _kind_matches(resource, _kind_names(params.get("exclude-kinds", [])))


def _selection(params: Params) -> Callable[[Resource], bool]:
    """:func:`selected` for one rule's params, with its kind names read once."""
    kinds = _kind_names(params["kinds"]) if "kinds" in params else None
    excluded = _kind_names(params.get("exclude-kinds", []))
    if kinds is None and not excluded:
        return lambda resource: True

    def accept(resource: Resource) -> bool:
        if kinds is not None and not _kind_matches(resource, kinds):
            return False
        return not (excluded and _kind_matches(resource, excluded))

    return accept


def pod_template(resource: Resource, workloads: Mapping[tuple[str, str], WorkloadKind]) -> PodTemplate | None:
    """The pod template of a built-in workload, or of a pod-creating custom kind (``Tree.workloads``)."""
    return template_of(resource, workloads)


def _values(resource: Resource) -> dict[str, str]:
    return {"kind": resource.kind, "name": resource.name, "namespace": resource.namespace or ""}


def _failures(params: Params, instance: Any, template: str) -> list[tuple[Path, str]]:
    """:func:`schema_errors`, without jsonschema's messages when the rule's message does not show them."""
    if "{error}" not in template:
        nodes = _compiled_for(params).failing_nodes(instance)
        if nodes is not None:
            return [(path, "") for path in nodes]
    return schema_errors(params, instance)


def _hits(resource: Resource, params: Params, base: Path, instance: Any, values: dict[str, str]) -> Iterator[Hit]:
    template = str(params.get("message", "{kind} {name}: {error}"))
    try:
        errors = _failures(params, instance, template)
    except RecursionError:  # a recursive schema ($ref: '#') over an object nested hundreds of levels deep
        yield Hit(f"{values['kind']} {values['name']} is nested too deeply for this rule's schema to check it",
                  resource.where(base), weaker=True)
        return
    for path, error in errors:
        item, value = _item_and_value(instance, path)
        message = format_message(template, {**values, "error": error, "path": dotted(path), "item": item,
                                            "value": value})
        yield Hit(message, resource.where((*base, *path)))


def _item_and_value(instance: Any, path: Path) -> tuple[str, str]:
    """The ``name`` of the innermost named list item on ``path``, and the node's value if it is a scalar."""
    item, node = "", instance
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str):
                item = name
        elif isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        else:
            return item, ""
    if isinstance(node, bool):
        return item, "true" if node else "false"
    return item, str(node) if isinstance(node, (str, int, float)) else ""


@check("object-schema", params=PARAMS["object-schema"])
def object_schema(tree: Tree, params: Params) -> Iterator[Hit]:
    """Validate whole objects (of ``kinds``, default all) against ``schema``."""
    accept, compiled = _selection(params), _compiled_for(params)
    resource: Resource | None = None
    try:
        for resource in tree.linted:
            if accept(resource) and not compiled.valid(resource.raw):
                yield from _hits(resource, params, (), resource.raw, _values(resource))
    except InternalError:
        raise
    except Exception as error:  # name the file being checked
        raise InternalError(error, resource.file if resource is not None else None) from error


@check("podspec-schema", params=PARAMS["podspec-schema"])
def podspec_schema(tree: Tree, params: Params) -> Iterator[Hit]:
    """Validate the pod spec of every workload (Pods, Deployments, ..., configured custom kinds)."""
    accept, compiled = _selection(params), _compiled_for(params)
    resource: Resource | None = None
    try:
        for resource, template in linted_templates(tree):
            if not accept(resource):
                continue
            spec = _node(resource, template.spec, template.spec_path)
            if not compiled.valid(spec):
                yield from _hits(resource, params, template.spec_path, spec, _values(resource))
    except InternalError:
        raise
    except Exception as error:
        raise InternalError(error, resource.file if resource is not None else None) from error


@check("container-schema", params=PARAMS["container-schema"])
def container_schema(tree: Tree, params: Params) -> Iterator[Hit]:
    """Validate every container (and init container unless ``init-containers: false``) of every workload."""
    accept, compiled = _selection(params), _compiled_for(params)
    with_init = params.get("init-containers", True) is not False
    resource: Resource | None = None
    try:
        for resource, template in linted_templates(tree):
            if not accept(resource):
                continue
            for container in template.containers:
                if container.init and not with_init:
                    continue
                raw = _node(resource, container.raw, container.path)
                if not compiled.valid(raw):
                    values = {**_values(resource), "container": container.name}
                    yield from _hits(resource, params, container.path, raw, values)
    except InternalError:
        raise
    except Exception as error:
        raise InternalError(error, resource.file if resource is not None else None) from error


def _node(resource: Resource, read: Mapping[str, Any], path: Path) -> Any:
    """The node at ``path`` of ``resource``, given the mapping a template view read there (``read``): the node
    itself unless empty, which stands for an empty mapping or a node that is no mapping (then looked up)."""
    return read if read else resource.get(path)


@validates("object-schema", "podspec-schema", "container-schema")
def validate_params(check_name: str, params: Params) -> tuple[Path, str] | None:
    """Check a schema rule's params before it runs: (path inside params, problem) or None."""
    from jsonschema import Draft202012Validator, SchemaError

    if "schema" not in params:
        return (), "a schema check needs params.schema"
    schema = params["schema"]
    if not isinstance(schema, (dict, bool)):
        return ("schema",), "params.schema must be a JSON Schema (a mapping)"
    reference = _remote_ref(schema, ("schema",))
    if reference is not None:
        return reference, "only local references ($ref: '#/...') are supported; kubelint never fetches schemas"
    problem = schema_problem(schema)  # depth, references to nowhere, endless $ref cycles: before jsonschema
    if problem is not None:
        return ("schema", *problem[0]), problem[1]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return ("schema", *error.absolute_path), f"invalid JSON Schema: {error.message}"
    from kubelint.patterns import pattern_problem, schema_patterns

    for where, pattern in schema_patterns(schema, ("schema",)):
        refused = pattern_problem(pattern)
        if refused is not None:
            return where, f"{refused} (patterns are RE2, as Kubernetes' own; no lookaround or backreferences)"
    for key in ("kinds", "exclude-kinds"):
        if key in params and not (isinstance(params[key], list)
                                  and all(isinstance(kind, str) for kind in params[key])):
            return (key,), f"params.{key} must be a list of kind names"
    message = params.get("message")
    if message is not None:
        if not isinstance(message, str):
            return ("message",), "params.message must be a string"
        unknown = sorted(set(_PLACEHOLDER.findall(message)) - PLACEHOLDERS[check_name])
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS[check_name]))
            return ("message",), f"unknown placeholder {{{unknown[0]}}} (known: {known})"
    return None


def _remote_ref(node: Any, path: Path) -> Path | None:
    """The path of the first ``$ref``/``$dynamicRef`` that does not point inside the schema itself."""
    stack = [(path, node)]  # iterative: the rule file's nesting is the parser's to bound, not the stack's
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("$ref", "$dynamicRef") and not (isinstance(item, str) and item.startswith("#")):
                    return (*where, key)
            stack.extend(reversed([((*where, key), item) for key, item in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([((*where, index), item) for index, item in enumerate(value)]))
    return None
