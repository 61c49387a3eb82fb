"""CEL's standard functions and the cel-go extensions Kubernetes enables (strings, lists, sets, optional,
encoders, math), as :class:`~kubelint.cel.interpret.Functions`.

Every function raises :class:`CelError` on a bad argument; a Python ``TypeError`` from a wrong argument type
becomes CEL's "no matching overload" error in the interpreter.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
from collections.abc import Callable
from typing import Any

from kubelint.cel import regex
from kubelint.cel.interpret import MAX_COLLECTION, CostExceeded, Functions
from kubelint.cel.values import (
    INT_MAX,
    INT_MIN,
    UINT_MAX,
    CelError,
    Duration,
    Optional,
    Timestamp,
    TypeValue,
    UInt,
    compare,
    contains,
    equals,
    format_double,
    format_duration,
    format_timestamp,
    is_number,
    no_overload,
    parse_duration,
    parse_timestamp,
    type_name,
)


def _size(value: Any) -> int:
    if isinstance(value, (str, bytes, list, dict)):
        return len(value)
    raise TypeError


def _int(value: Any) -> int:
    kind = type_name(value)
    if kind in ("int", "uint"):
        if value > INT_MAX:
            raise CelError("integer overflow")
        return int(value)
    if kind == "double":
        if math.isnan(value) or not INT_MIN <= value < 2.0 ** 63:
            raise CelError("integer overflow")
        return int(value)
    if kind == "string":
        try:
            result = int(value, 10)
        except ValueError:
            raise CelError(f"cannot convert {value!r} to int") from None
        if not INT_MIN <= result <= INT_MAX:
            raise CelError("integer overflow")
        return result
    if isinstance(value, Timestamp):
        return value.nanos // 1_000_000_000
    if isinstance(value, Duration):
        return value.nanos
    raise TypeError


def _uint(value: Any) -> UInt:
    kind = type_name(value)
    if kind in ("int", "uint"):
        if not 0 <= value <= UINT_MAX:
            raise CelError("unsigned integer overflow")
        return UInt(value)
    if kind == "double":
        if math.isnan(value) or not 0 <= value < 2.0 ** 64:
            raise CelError("unsigned integer overflow")
        return UInt(int(value))
    if kind == "string":
        try:
            result = int(value, 10)
        except ValueError:
            raise CelError(f"cannot convert {value!r} to uint") from None
        if not 0 <= result <= UINT_MAX:
            raise CelError("unsigned integer overflow")
        return UInt(result)
    raise TypeError


def _double(value: Any) -> float:
    kind = type_name(value)
    if kind in ("int", "uint", "double"):
        return float(value)
    if kind == "string":
        try:
            return float(value)
        except ValueError:
            raise CelError(f"cannot convert {value!r} to double") from None
    raise TypeError


def to_string(value: Any) -> str:
    """CEL's ``string()`` conversion."""
    kind = type_name(value)
    if kind == "string":
        return str(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "uint"):
        return str(int(value))
    if kind == "double":
        return format_double(value)
    if kind == "bytes":
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise CelError("invalid UTF-8 in bytes, cannot convert to string") from None
    if isinstance(value, Timestamp):
        return format_timestamp(value)
    if isinstance(value, Duration):
        return format_duration(value)
    if isinstance(value, TypeValue):
        return value.name
    text = getattr(value, "cel_string", None)
    if text is not None:
        result: str = text()
        return result
    raise TypeError


def _bytes(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if type(value) is str:
        return value.encode("utf-8")
    raise TypeError


_BOOLS = {"1": True, "t": True, "true": True, "TRUE": True, "True": True,
          "0": False, "f": False, "false": False, "FALSE": False, "False": False}


def _bool(value: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str:
        if value in _BOOLS:
            return _BOOLS[value]
        raise CelError(f"cannot convert {value!r} to bool")
    raise TypeError


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if type(value) is str:
        return parse_duration(value)
    raise TypeError


def _timestamp(value: Any) -> Timestamp:
    if isinstance(value, Timestamp):
        return value
    if type(value) is str:
        return parse_timestamp(value)
    if type_name(value) == "int":
        return Timestamp(value * 1_000_000_000)
    raise TypeError


def _type(value: Any) -> TypeValue:
    return TypeValue(type_name(value))


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError
    return value


def _int_arg(value: Any) -> int:
    if type_name(value) != "int":
        raise TypeError
    return int(value)


# -- strings --------------------------------------------------------------------------------------
def _contains(text: Any, part: Any) -> bool:
    return _str(part) in _str(text)


def _matches(text: Any, pattern: Any) -> bool:
    return regex.search(_str(pattern), _str(text)) is not None


def _char_at(text: Any, index: Any) -> str:
    text, index = _str(text), _int_arg(index)
    if not 0 <= index <= len(text):
        raise CelError(f"index out of range: {index}")
    return str(text[index:index + 1])


def _index_of(target: Any, part: Any, start: Any = 0) -> int:
    if isinstance(target, list):
        for position, item in enumerate(target):
            if equals(item, part):
                return position
        return -1
    text, part, start = _str(target), _str(part), _int_arg(start)
    if not 0 <= start <= len(text):
        raise CelError(f"index out of range: {start}")
    return text.find(part, start)


def _last_index_of(target: Any, part: Any, *rest: Any) -> int:
    if isinstance(target, list):
        for position in range(len(target) - 1, -1, -1):
            if equals(target[position], part):
                return position
        return -1
    text, part = _str(target), _str(part)
    end = len(text) if not rest else _int_arg(rest[0])
    if not 0 <= end <= len(text):
        raise CelError(f"index out of range: {end}")
    return text.rfind(part, 0, end + len(part))


def _lower(text: Any) -> str:
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in _str(text))


def _upper(text: Any) -> str:
    return "".join(c.upper() if "a" <= c <= "z" else c for c in _str(text))


def _replace(text: Any, old: Any, new: Any, limit: Any = -1) -> str:
    text, old, new, limit = _str(text), _str(old), _str(new), _int_arg(limit)
    if limit < 0:
        limit = len(text) + 1
    result = text.replace(old, new, limit) if old else _replace_empty(text, new, limit)
    if len(result) > MAX_COLLECTION:
        raise CostExceeded("string longer than the evaluation allows")
    return result


def _replace_empty(text: str, new: str, limit: int) -> str:
    parts = []
    for position, char in enumerate(text):
        if position < limit:
            parts.append(new)
        parts.append(char)
    if len(text) < limit:
        parts.append(new)
    return "".join(parts)


def _split(text: Any, separator: Any, limit: Any = -1) -> list[str]:
    text, separator, limit = _str(text), _str(separator), _int_arg(limit)
    if limit == 0:
        return []
    if separator == "":
        chars = list(text)
        if 0 < limit < len(chars):
            return [*chars[:limit - 1], "".join(chars[limit - 1:])]
        return chars
    return list(text.split(separator, limit - 1) if limit > 0 else text.split(separator))


def _substring(text: Any, start: Any, *rest: Any) -> str:
    text, start = _str(text), _int_arg(start)
    end = len(text) if not rest else _int_arg(rest[0])
    if not 0 <= start <= len(text) or not start <= end <= len(text):
        raise CelError(f"index out of range: {start}, {end}")
    return str(text[start:end])


_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028" \
         "\u2029\u202f\u205f\u3000"


def _trim(text: Any) -> str:
    return _str(text).strip(_SPACE)


def _join(items: Any, separator: Any = "") -> str:
    if not isinstance(items, list) or not all(type(item) is str for item in items):
        raise TypeError
    return _str(separator).join(items)


def _reverse(value: Any) -> Any:
    if isinstance(value, list):
        return list(reversed(value))
    return _str(value)[::-1]


def _quote(text: Any) -> str:
    out = ['"']
    for char in _str(text):
        escaped = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
                   "\\": "\\\\", '"': '\\"'}.get(char)
        out.append(escaped if escaped is not None else char)
    out.append('"')
    return "".join(out)


def _format(template: Any, args: Any) -> str:
    """cel-go's ``string.format(list)``: %s %d %f %e %x %X %o %b and %%."""
    template = _str(template)
    if not isinstance(args, list):
        raise TypeError
    out: list[str] = []
    position = 0
    used = 0
    while position < len(template):
        char = template[position]
        if char != "%":
            out.append(char)
            position += 1
            continue
        position += 1
        if position >= len(template):
            raise CelError("format: unterminated formatting clause")
        precision = None
        if template[position] == ".":
            digits_end = position + 1
            while digits_end < len(template) and template[digits_end].isdigit():
                digits_end += 1
            precision = int(template[position + 1:digits_end] or "0")
            position = digits_end
        verb = template[position] if position < len(template) else ""
        position += 1
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            raise CelError(f"format: index {used} out of range")
        out.append(_format_one(verb, args[used], precision))
        used += 1
    if len(args) > used:
        raise CelError("format: too many arguments for the format string")
    return "".join(out)


def _format_one(verb: str, value: Any, precision: int | None) -> str:
    kind = type_name(value)
    if verb == "s":
        return _format_s(value)
    if verb == "d":
        if kind not in ("int", "uint") and not (kind == "double" and (math.isnan(value) or math.isinf(value))):
            raise CelError(f"format: %d needs an integer, not {kind}")
        return str(int(value)) if kind != "double" else format_double(value)
    if verb in "fe":
        if kind not in ("int", "uint", "double"):
            raise CelError(f"format: %{verb} needs a number, not {kind}")
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return format_double(number)
        return f"{number:.{6 if precision is None else precision}{verb}}"
    if verb in "xXob":
        if kind in ("int", "uint"):
            text = format(int(value), {"x": "x", "X": "X", "o": "o", "b": "b"}[verb])
            return text
        if verb in "xX" and kind in ("string", "bytes"):
            raw = value.encode("utf-8") if kind == "string" else value
            text = raw.hex()
            return str(text.upper() if verb == "X" else text)
        raise CelError(f"format: %{verb} does not take {kind}")
    raise CelError(f"format: unrecognized formatting clause %{verb}")


def _format_s(value: Any) -> str:
    kind = type_name(value)
    if kind == "list":
        return "[" + ", ".join(_format_s(item) for item in value) + "]"
    if kind == "map":
        entries = sorted(((_format_s(k), _format_s(v)) for k, v in value.items()))
        return "{" + ", ".join(f"{k}: {v}" for k, v in entries) + "}"
    if kind == "null_type":
        return "null"
    if kind == "bytes":
        return bytes(value).decode("utf-8", "replace")
    try:
        return to_string(value)
    except TypeError:
        raise CelError(f"format: %s does not take {kind}") from None


# -- lists and sets -------------------------------------------------------------------------------
def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError
    return value


def _distinct(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(items):
        if not contains(out, item):
            out.append(item)
    return out


def _flatten(items: Any, depth: Any = 1) -> list[Any]:
    depth = _int_arg(depth)
    if depth < 0:
        raise CelError("flatten: depth must not be negative")
    out: list[Any] = []
    for item in _list(items):
        if isinstance(item, list) and depth > 0:
            out.extend(_flatten(item, depth - 1))
        else:
            out.append(item)
    return out


def _slice(items: Any, start: Any, end: Any) -> list[Any]:
    items, start, end = _list(items), _int_arg(start), _int_arg(end)
    if not 0 <= start <= end <= len(items):
        raise CelError(f"cannot slice({start}, {end}), list has size {len(items)}")
    return list(items[start:end])


def sort_key_check(items: list[Any]) -> None:
    kinds = {type_name(item) for item in items}
    numbers = kinds <= {"int", "uint", "double"}
    if len(kinds) > 1 and not numbers:
        raise CelError("list elements must have the same type")
    if kinds and not numbers and not kinds <= {"string", "bytes", "bool", "google.protobuf.Duration",
                                               "google.protobuf.Timestamp"}:
        for item in items:
            if getattr(item, "cel_compare", None) is None:
                raise CelError(f"values of type {type_name(item)} cannot be ordered")


def _sort(items: Any) -> list[Any]:
    import functools

    items = _list(items)
    sort_key_check(items)
    return sorted(items, key=functools.cmp_to_key(compare))


def _first(items: Any) -> Optional:
    items = _list(items)
    return Optional(items[0]) if items else Optional()


def _last(items: Any) -> Optional:
    items = _list(items)
    return Optional(items[-1]) if items else Optional()


def _range(count: Any) -> list[int]:
    count = _int_arg(count)
    if count > MAX_COLLECTION:
        raise CostExceeded("list longer than the evaluation allows")
    return list(range(max(count, 0)))


def _sets_contains(items: Any, wanted: Any) -> bool:
    items = _list(items)
    return all(contains(items, item) for item in _list(wanted))


def _sets_equivalent(left: Any, right: Any) -> bool:
    return _sets_contains(left, right) and _sets_contains(right, left)


def _sets_intersects(left: Any, right: Any) -> bool:
    left = _list(left)
    return any(contains(left, item) for item in _list(right))


# -- optional --------------------------------------------------------------------------------------
def _optional(value: Any) -> Optional:
    if not isinstance(value, Optional):
        raise TypeError
    return value


def _zero(value: Any) -> bool:
    if value is None or value is False:
        return True
    if is_number(value):
        return bool(value == 0)
    if isinstance(value, (str, bytes, list, dict)):
        return len(value) == 0
    if isinstance(value, (Duration, Timestamp)):
        return value.nanos == 0
    return False


def _value(optional: Any) -> Any:
    optional = _optional(optional)
    if not optional.present:
        raise CelError("optional.none() dereference")
    return optional.value


def _or(optional: Any, other: Any) -> Optional:
    optional = _optional(optional)
    return optional if optional.present else _optional(other)


def _or_value(optional: Any, default: Any) -> Any:
    optional = _optional(optional)
    return optional.value if optional.present else default


# -- time ------------------------------------------------------------------------------------------
def _zone(name: Any) -> datetime.tzinfo:
    name = _str(name)
    if name[:1] in "+-" and len(name) == 6 and name[3] == ":":
        hours, minutes = int(name[1:3]), int(name[4:6])
        delta = datetime.timedelta(hours=hours, minutes=minutes)
        return datetime.timezone(-delta if name[0] == "-" else delta)
    if name.upper() == "UTC":
        return datetime.timezone.utc
    try:
        import zoneinfo

        return zoneinfo.ZoneInfo(name)
    except Exception:
        raise CelError(f"unknown time zone {name!r}") from None


def _getter(part: Callable[[datetime.datetime, int], int], duration_unit: int | None = None
            ) -> Callable[..., int]:
    def get(value: Any, *zone: Any) -> int:
        if isinstance(value, Duration) and duration_unit is not None and not zone:
            return int(value.nanos / duration_unit)
        if not isinstance(value, Timestamp):
            raise TypeError
        moment = value.datetime(_zone(zone[0]) if zone else datetime.timezone.utc)
        return part(moment, value.nanos)
    return get


_GETTERS: dict[str, Callable[..., int]] = {
    "getFullYear": _getter(lambda moment, nanos: moment.year),
    "getMonth": _getter(lambda moment, nanos: moment.month - 1),
    "getDayOfYear": _getter(lambda moment, nanos: moment.timetuple().tm_yday - 1),
    "getDayOfMonth": _getter(lambda moment, nanos: moment.day - 1),
    "getDate": _getter(lambda moment, nanos: moment.day),
    "getDayOfWeek": _getter(lambda moment, nanos: (moment.weekday() + 1) % 7),
    "getHours": _getter(lambda moment, nanos: moment.hour, 3_600_000_000_000),
    "getMinutes": _getter(lambda moment, nanos: moment.minute, 60_000_000_000),
    "getSeconds": _getter(lambda moment, nanos: moment.second, 1_000_000_000),
    "getMilliseconds": _getter(lambda moment, nanos: (nanos // 1_000_000) % 1000, 1_000_000),
}


# -- math ------------------------------------------------------------------------------------------
def _extreme(pick: int) -> Callable[..., Any]:
    def choose(*args: Any) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
        if not values:
            raise CelError("math.greatest/least need at least one value")
        if not all(is_number(value) for value in values):
            raise TypeError
        best = values[0]
        for value in values[1:]:
            if compare(value, best) == pick:
                best = value
        return best
    return choose


def _base64_decode(text: Any) -> bytes:
    text = _str(text)
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise CelError("base64.decode: invalid input") from None


def standard_functions() -> Functions:
    """Every function kubelint's CEL knows, without the Kubernetes libraries (see ``k8s.py``)."""
    functions = Functions()
    add_global, add_member = functions.add_global, functions.add_member
    globals_: dict[str, Callable[..., Any]] = {
                           "size": _size, "int": _int, "uint": _uint, "double": _double, "string": to_string,
                           "bytes": _bytes, "bool": _bool, "duration": _duration, "timestamp": _timestamp,
                           "type": _type, "dyn": lambda value: value, "matches": _matches,
                           "optional.of": Optional, "optional.none": lambda: Optional(),
                           "optional.ofNonZeroValue": lambda value: Optional() if _zero(value) else Optional(value),
                           "sets.contains": _sets_contains, "sets.equivalent": _sets_equivalent,
                           "sets.intersects": _sets_intersects, "lists.range": _range,
                           "base64.encode": lambda data: base64.b64encode(_bytes_arg(data)).decode("ascii"),
                           "base64.decode": _base64_decode, "strings.quote": _quote,
                           "math.greatest": _extreme(1), "math.least": _extreme(-1),
                           "math.abs": _math_abs, "math.isNaN": lambda value: math.isnan(_float_arg(value)),
                           "math.isInf": lambda value: math.isinf(_float_arg(value)),
                           "math.ceil": lambda value: float(math.ceil(_float_arg(value))),
                           "math.floor": lambda value: float(math.floor(_float_arg(value))),
                           }
    for name, function in globals_.items():
        add_global(name, function)
    members: dict[str, Callable[..., Any]] = {"size": _size, "contains": _contains, "matches": _matches,
                           "startsWith": lambda text, part: _str(text).startswith(_str(part)),
                           "endsWith": lambda text, part: _str(text).endswith(_str(part)),
                           "charAt": _char_at, "indexOf": _index_of, "lastIndexOf": _last_index_of,
                           "lowerAscii": _lower, "upperAscii": _upper, "replace": _replace, "split": _split,
                           "substring": _substring, "trim": _trim, "join": _join, "reverse": _reverse,
                           "format": _format, "distinct": _distinct, "flatten": _flatten, "slice": _slice,
                           "sort": _sort, "first": _first, "last": _last,
                           "hasValue": lambda optional: _optional(optional).present, "value": _value,
                           "or": _or, "orValue": _or_value, **_GETTERS}
    for name, function in members.items():
        add_member(name, function)
    return functions


def _bytes_arg(value: Any) -> bytes:
    if type(value) is not bytes:
        raise TypeError
    return value


def _float_arg(value: Any) -> float:
    if type_name(value) != "double":
        raise TypeError
    return float(value)


def _math_abs(value: Any) -> Any:
    kind = type_name(value)
    if kind == "int":
        if value == INT_MIN:
            raise CelError("integer overflow")
        return abs(value)
    if kind in ("uint", "double"):
        return abs(value) if kind == "double" else value
    raise no_overload("math.abs", value)
