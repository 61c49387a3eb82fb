"""Regular expressions that come from input, matched in linear time (RE2).

A CRD's ``pattern``, a user rule's ``pattern`` or ``patternProperties`` are written by whoever wrote the
repository. Python's ``re`` backtracks: ``^(a+)+$`` against forty ``a`` and a ``!`` runs for minutes. RE2
(``google-re2``) matches in time linear in the text whatever the pattern, and its syntax is the one
Kubernetes itself uses for CRD patterns (Go's ``regexp`` is RE2), so a pattern the API server accepts
means the same here: ``$`` matches only at the very end (Python's also before a final newline), ``\\d``,
``\\w`` and ``\\s`` are ASCII, and lookaround and backreferences do not exist (such a pattern is refused).

JSON Schema names ECMA-262 for ``pattern``; a user rule gets RE2 instead, and a pattern RE2 cannot compile
is a usage error when the rule loads (see ``docs/rules.md``).

:func:`linear` gives any ``jsonschema`` validator class whose every pattern keyword (``pattern``,
``patternProperties``, and the ``additionalProperties`` and ``unevaluatedProperties`` that consult it)
matches with RE2.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import re2

MAX_PATTERN_LENGTH = 4096
"""Longer patterns are refused (Kubernetes patterns are a few dozen characters)."""

_MAX_MEMORY = 8 << 20
"""RE2's memory budget per compiled pattern (its default); a bigger program is a compile error."""


class PatternError(ValueError):
    """A pattern RE2 cannot compile (or that is too long); the message says why."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    options.max_mem = _MAX_MEMORY
    return options


_OPTIONS = _options()


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 program of ``pattern`` (cached), or :class:`PatternError`."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is {len(pattern)} characters long, over the {MAX_PATTERN_LENGTH} limit")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(f"not a valid RE2 pattern: {text}") from None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used, or None when it compiles."""
    try:
        compile_pattern(pattern)
    except PatternError as error:
        return str(error)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text`` (JSON Schema's semantics: unanchored).

    A pattern that does not compile matches nothing; callers refuse such patterns when they load them.
    """
    try:
        program = compile_pattern(pattern)
    except PatternError:
        return False
    return program.search(text) is not None


def schema_patterns(schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every regular expression of a JSON Schema, with its path: ``pattern`` values and ``patternProperties``
    keys (literal values under ``const``, ``enum``, ``default`` and ``examples`` are not schemas)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [(path, schema)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("const", "enum", "default", "examples"):
                    continue
                if key == "pattern" and isinstance(value, str):
                    yield (*where, key), value
                elif key == "patternProperties" and isinstance(value, dict):
                    yield from (((*where, key, name), name) for name in value if isinstance(name, str))
                stack.append(((*where, key), value))
        elif isinstance(node, list):
            stack.extend(((*where, index), value) for index, value in enumerate(node))


# -- jsonschema keywords on RE2 -------------------------------------------------------------------


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional(instance: Any, schema: Any) -> Iterator[Any]:
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    for key in instance:
        if key not in properties and not any(search(pattern, key) for pattern in patterns):
            yield key


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema._utils import extras_msg
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    extras = set(_additional(instance, schema))
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            patterns = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            names, verb = extras_msg(sorted(extras, key=str))
            yield ValidationError(f"Additional properties are not allowed ({names} {verb} unexpected)")


def _evaluated_keys(validator: Any, instance: Any, schema: Any) -> set[Any]:
    """jsonschema's ``find_evaluated_property_keys_by_schema``, with ``patternProperties`` on RE2."""
    from jsonschema._utils import find_evaluated_property_keys_by_schema

    if validator.is_type(schema, "boolean"):
        return set()
    if "patternProperties" not in schema:
        # jsonschema's own walk, minus the one keyword that uses ``re``; sub-schemas that have
        # ``patternProperties`` come back through ``_evaluated_keys`` below
        evaluated: set[Any] = set()
    else:
        evaluated = {key for key in instance
                     if any(search(pattern, key) for pattern in schema["patternProperties"])}
    rest = {key: value for key, value in schema.items()
            if key not in ("patternProperties", "dependentSchemas", "allOf", "oneOf", "anyOf", "if", "$ref",
                           "$dynamicRef")}
    evaluated.update(find_evaluated_property_keys_by_schema(validator, instance, rest))
    for keyword in ("$ref", "$dynamicRef"):
        reference = schema.get(keyword)
        if reference is not None:
            resolved = validator._resolver.lookup(reference)
            evolved = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            evaluated.update(_evaluated_keys(evolved, instance, resolved.contents))
    for name, subschema in schema.get("dependentSchemas", {}).items():
        if name in instance:
            evaluated.update(_evaluated_keys(validator, instance, subschema))
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if next(validator.descend(instance, subschema), None) is None:
                evaluated.update(_evaluated_keys(validator, instance, subschema))
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            evaluated.update(_evaluated_keys(validator, instance, schema["if"]))
            if "then" in schema:
                evaluated.update(_evaluated_keys(validator, instance, schema["then"]))
        elif "else" in schema:
            evaluated.update(_evaluated_keys(validator, instance, schema["else"]))
    return evaluated


def _unevaluated_properties(validator: Any, unevaluated: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema._utils import extras_msg
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    failing = [key for key in instance if key not in evaluated
               and next(validator.descend(instance[key], unevaluated, path=key, schema_path=key), None) is not None]
    if failing:
        if unevaluated is False:
            names, verb = extras_msg(sorted(failing, key=str))
            yield ValidationError(f"Unevaluated properties are not allowed ({names} {verb} unexpected)")
        else:
            names, verb = extras_msg(failing)
            yield ValidationError(f"Unevaluated properties are not valid under the given schema ({names} {verb} "
                                  "unevaluated and invalid)")


_KEYWORDS = {"pattern": _pattern, "patternProperties": _pattern_properties,
             "additionalProperties": _additional_properties, "unevaluatedProperties": _unevaluated_properties}


@functools.cache
def linear(cls: Any) -> Any:
    """``cls`` (a ``jsonschema`` validator class) with every regular expression matched by RE2."""
    from jsonschema.validators import extend

    replaced = {name: keyword for name, keyword in _KEYWORDS.items() if name in cls.VALIDATORS}
    return extend(cls, replaced)
