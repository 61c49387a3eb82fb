"""From ``jsonschema`` errors to plain problems at the failing node, one per distinct error.

An ``anyOf``/``oneOf`` error is not reported as a cascade of every branch: when some branch has
the right type, that branch's own errors are reported; when none has, one type error names every
accepted type. Unknown fields are one problem each, at the field, with a "did you mean".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kubelint.findings import Path, dotted
from kubelint.records import record
from kubelint.schema.builtin import QUANTITY_PATTERN

_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
               type(None): "null"}


@record(frozen=True)
class Problem:
    """One schema violation: where (a path inside the object), what kind, and the plain message."""

    path: Path
    code: str
    """``unknown-field``, ``type``, ``required``, ``enum``, ``quantity``, ``pattern``, ``value``, ..."""
    message: str
    expected: tuple[str, ...] = ()
    """For ``type`` problems: the JSON types the schema accepts (``string``, ``integer``, ...)."""
    name: str = ""
    """For ``required``: the missing field; for ``unknown-field``: the field it probably means."""


def type_name(value: Any) -> str:
    """The JSON type of a value (``integer`` for ``3``, ``object`` for a mapping)."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def show(value: Any) -> str:
    """A short rendering of a value for a message (strings quoted, long values cut)."""
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a sequence"
    rendered = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) else repr(value)
    return rendered if len(rendered) <= 60 else rendered[:57] + "..."


def problems(errors: Iterable[Any]) -> list[Problem]:
    """Plain problems for the top-level errors of one validation, without duplicates, in path order."""
    found: dict[tuple[Path, str], Problem] = {}
    for error in errors:
        for problem in _translate(error):
            found.setdefault((problem.path, problem.message), problem)
    # a misspelt required field is one mistake: the unknown field (with its hint) says it all
    hinted = {(p.path[:-1], p.name) for p in found.values() if p.code == "unknown-field" and p.name}
    found = {key: p for key, p in found.items() if not (p.code == "required" and (p.path, p.name) in hinted)}
    return sorted(found.values(), key=lambda p: ([str(part) for part in p.path], p.message))


def _translate(error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    where = dotted(path) or "the object"
    validator, value, instance = error.validator, error.validator_value, error.instance
    if validator in ("anyOf", "oneOf"):
        yield from _branches(error)
    elif validator == "additionalProperties" and value is False and isinstance(instance, dict):
        known = list(error.schema.get("properties", {}))
        for key in _unexpected(instance, error.schema):
            field_path = (*path, key)
            message = f"{dotted(field_path)}: unknown field {show(key)}"
            hint = did_you_mean(key, known)
            if hint:
                message += f"; did you mean {show(hint)}?"
            yield Problem(field_path, "unknown-field", message, name=hint or "")
    elif validator == "type":
        accepted = tuple(t for t in ([value] if isinstance(value, str) else value) if t != "null")
        yield Problem(path, "type", f"{where}: expected {_or(accepted)}, got {_got(instance)}", accepted)
    elif validator == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance:
                yield Problem(path, "required", f"{where}: missing required field {show(name)}", name=name)
    elif validator == "enum":
        choices = [choice for choice in value if choice is not None]
        yield Problem(path, "enum", f"{where}: {show(instance)} is not one of {', '.join(map(show, choices))}")
    elif validator == "pattern" and value == QUANTITY_PATTERN:
        yield Problem(path, "quantity", f"{where}: {show(instance)} is not a valid quantity "
                                        "(a number with an optional suffix such as 500m, 128Mi or 2)")
    elif validator == "pattern":
        yield Problem(path, "pattern", f"{where}: {show(instance)} does not match the pattern {show(value)}")
    elif validator == "const":
        yield Problem(path, "enum", f"{where}: must be {show(value)}, got {show(instance)}")
    else:
        yield Problem(path, "value", f"{where}: {_plain(error)}")


def _branches(error: Any) -> Iterator[Problem]:
    """The problems of the branch that fits best, or one type error when no branch has the right type."""
    by_branch: dict[Any, list[Any]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    depth = len(error.absolute_path)
    fitting = []
    accepted: list[str] = []
    for branch in by_branch.values():
        type_errors = [sub for sub in branch if sub.validator == "type" and len(sub.absolute_path) == depth]
        if type_errors:
            for sub in type_errors:
                values = [sub.validator_value] if isinstance(sub.validator_value, str) else sub.validator_value
                accepted.extend(t for t in values if t != "null" and t not in accepted)
        else:
            fitting.append(branch)
    path: Path = tuple(error.absolute_path)
    if fitting:
        best = min(fitting, key=len)
        yield from (problem for sub in best for problem in _translate(sub))
    elif accepted:
        yield Problem(path, "type", f"{dotted(path) or 'the object'}: expected {_or(accepted)}, "
                                    f"got {_got(error.instance)}", tuple(accepted))
    elif error.validator == "oneOf" and not by_branch:
        yield Problem(path, "value", f"{dotted(path) or 'the object'}: matches more than one allowed form")
    else:
        yield Problem(path, "value", f"{dotted(path) or 'the object'}: {_plain(error)}")


def _unexpected(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    from kubelint.patterns import search

    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [key for key in instance
            if key not in properties and not any(search(pattern, key) for pattern in patterns)]


def did_you_mean(key: str, known: Iterable[str]) -> str | None:
    """The known name closest to a misspelt one (case-insensitive matches first), or None."""
    names = list(known)
    for name in names:
        if name.lower() == key.lower():
            return name
    import difflib  # only when a name is misspelt: 2 ms of a one-file lint's start otherwise

    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    return close[0] if close else None


def _or(types: Iterable[str]) -> str:
    names = list(dict.fromkeys(types)) or ["null"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def _got(instance: Any) -> str:
    if isinstance(instance, (dict, list)):
        return "a mapping" if isinstance(instance, dict) else "a sequence"
    return f"{type_name(instance)} {show(instance)}"


def _plain(error: Any) -> str:
    """jsonschema's own message for the rarer keywords, with Python reprs made JSON-like."""
    message: str = error.message
    return message.replace("'", '"').replace(" True", " true").replace(" False", " false").replace("None", "null")
