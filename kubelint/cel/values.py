"""CEL values in Python, and the operations every part of the interpreter shares.

A CEL value is a plain Python value where one fits: ``bool``, ``int`` (CEL ``int``), :class:`UInt`, ``float``
(``double``), ``str``, ``bytes``, ``None`` (``null``), ``list``, ``dict``; plus :class:`Duration`,
:class:`Timestamp`, :class:`Optional` and :class:`TypeValue`, and the opaque values of the Kubernetes libraries
(each has a ``CEL_TYPE`` name). Equality is CEL's heterogeneous equality (``1 == 1u == 1.0``; values of different
types are unequal, never an error), as Kubernetes enables it.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from typing import Any

from kubelint.records import record

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
UINT_MAX = (1 << 64) - 1


class CelError(Exception):
    """An evaluation error (CEL's error value): no such key, no matching overload, overflow ..."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UInt(int):
    """A CEL ``uint``."""

    def __repr__(self) -> str:
        return f"{int(self)}u"


@record(frozen=True, order=True)
class Duration:
    """A CEL ``google.protobuf.Duration``, in nanoseconds."""

    nanos: int
    CEL_TYPE = "google.protobuf.Duration"


@record(frozen=True, order=True)
class Timestamp:
    """A CEL ``google.protobuf.Timestamp``: nanoseconds since the Unix epoch, UTC."""

    nanos: int
    CEL_TYPE = "google.protobuf.Timestamp"

    def datetime(self, zone: datetime.tzinfo = datetime.timezone.utc) -> datetime.datetime:
        """This instant as an aware datetime in ``zone`` (microsecond precision)."""
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return (epoch + datetime.timedelta(microseconds=self.nanos // 1000)).astimezone(zone)


_NONE = object()


class Optional:
    """A CEL ``optional_type`` value: empty, or holding a value."""

    __slots__ = ("value",)
    CEL_TYPE = "optional_type"

    def __init__(self, value: Any = _NONE) -> None:
        self.value = value

    @property
    def present(self) -> bool:
        return self.value is not _NONE

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Optional):
            return False
        if not self.present or not other.present:
            return self.present == other.present
        return equals(self.value, other.value)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.present else "optional.none()"


@record(frozen=True)
class TypeValue:
    """A CEL type used as a value (``type(x) == string``)."""

    name: str
    CEL_TYPE = "type"


def type_name(value: Any) -> str:
    """The CEL type name of ``value``."""
    if value is None:
        return "null_type"
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is UInt:
        return "uint"
    if isinstance(value, int):
        return "int"
    if kind is float:
        return "double"
    if kind is str:
        return "string"
    if kind is bytes:
        return "bytes"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    name = getattr(value, "CEL_TYPE", None)
    return name if isinstance(name, str) else kind.__name__


def is_number(value: Any) -> bool:
    """Whether ``value`` is a CEL int, uint or double."""
    return isinstance(value, (int, float)) and type(value) is not bool


def equals(left: Any, right: Any) -> bool:
    """CEL's heterogeneous equality."""
    if is_number(left) and is_number(right):
        return bool(left == right)
    left_type, right_type = type_name(left), type_name(right)
    if left_type != right_type:
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(equals(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        if len(left) != len(right):
            return False
        for key, value in left.items():
            found = map_get(right, key, _NONE)
            if found is _NONE or not equals(value, found):
                return False
        return True
    return bool(left == right)


def map_get(mapping: dict[Any, Any], key: Any, default: Any) -> Any:
    """``mapping[key]`` with CEL's key equality (``1``, ``1u`` and ``1.0`` are one key), else ``default``."""
    if type(key) is bool:
        for candidate, value in mapping.items():
            if type(candidate) is bool and candidate == key:
                return value
        return default
    if isinstance(key, float):
        if not key.is_integer():
            return default
        key = int(key)
    if isinstance(key, int):
        for candidate, value in mapping.items():
            if is_number(candidate) and candidate == key:
                return value
        return default
    if key in mapping:
        return mapping[key]
    return default


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1 for ``left`` against ``right``; a :class:`CelError` for values that do not order."""
    if is_number(left) and is_number(right):
        if (isinstance(left, float) and math.isnan(left)) or (isinstance(right, float) and math.isnan(right)):
            raise CelError("NaN values cannot be ordered")
        return int(left > right) - int(left < right)
    kind = type_name(left)
    if kind == type_name(right) and kind in ("string", "bytes", "bool", "google.protobuf.Duration",
                                             "google.protobuf.Timestamp"):
        return int(left > right) - int(left < right)
    compare_to = getattr(left, "cel_compare", None)
    if compare_to is not None and type(left) is type(right):
        result: int = compare_to(right)
        return result
    raise no_overload("_<_", left, right)


def no_overload(function: str, *args: Any) -> CelError:
    """The error CEL gives when no overload of ``function`` takes these argument types."""
    return CelError(f"no matching overload for '{function}' applied to ({', '.join(type_name(a) for a in args)})")


def checked_int(value: int) -> int:
    """``value`` as a CEL int, or an overflow error."""
    if value < INT_MIN or value > INT_MAX:
        raise CelError("integer overflow")
    return value


def checked_uint(value: int) -> UInt:
    """``value`` as a CEL uint, or an overflow error."""
    if value < 0 or value > UINT_MAX:
        raise CelError("unsigned integer overflow")
    return UInt(value)


def truthy(value: Any, operator: str) -> bool:
    """``value`` when it is a bool; otherwise a no-overload error for ``operator``."""
    if type(value) is not bool:
        raise no_overload(operator, value)
    return value


def contains(items: Iterable[Any], value: Any) -> bool:
    """Whether ``value`` is (CEL-)equal to an item."""
    return any(equals(item, value) for item in items)


_DURATION_UNIT = {"h": 3_600_000_000_000, "m": 60_000_000_000, "s": 1_000_000_000, "ms": 1_000_000,
                  "us": 1_000, "µs": 1_000, "μs": 1_000, "ns": 1}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|μs|ns)")
MAX_DURATION_NANOS = 315_576_000_000 * 1_000_000_000


def parse_duration(text: str) -> Duration:
    """A Go duration string (``1h30m``, ``-1.5s``, ``0``) as a Duration."""
    body = text
    sign = 1
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return Duration(0)
    total = 0.0
    exact = 0
    position = 0
    if not body:
        raise CelError(f"invalid duration {text!r}")
    while position < len(body):
        match = _DURATION.match(body, position)
        if match is None:
            raise CelError(f"invalid duration {text!r}")
        number, unit = match.groups()
        if "." in number:
            total += float(number) * _DURATION_UNIT[unit]
        else:
            exact += int(number) * _DURATION_UNIT[unit]
        position = match.end()
    nanos = sign * (exact + round(total))
    if abs(nanos) > MAX_DURATION_NANOS:
        raise CelError(f"duration {text!r} out of range")
    return Duration(nanos)


def format_duration(value: Duration) -> str:
    """CEL's string form of a duration: seconds with a fraction, ``1.5s``."""
    seconds, nanos = divmod(abs(value.nanos), 1_000_000_000)
    sign = "-" if value.nanos < 0 else ""
    if nanos:
        return f"{sign}{seconds}.{nanos:09d}".rstrip("0") + "s"
    return f"{sign}{seconds}s"


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})\Z")
MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS = -62135596800, 253402300799


def parse_timestamp(text: str) -> Timestamp:
    """An RFC 3339 timestamp as a Timestamp."""
    match = _TIMESTAMP.match(text)
    if match is None:
        raise CelError(f"invalid timestamp {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                                   tzinfo=datetime.timezone.utc)
    except ValueError:
        raise CelError(f"invalid timestamp {text!r}") from None
    offset = 0
    if zone not in ("Z", "z"):
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * 60 * (-1 if zone[0] == "-" else 1)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    seconds = int((moment - epoch).total_seconds()) - offset
    if not MIN_TIMESTAMP_SECONDS <= seconds <= MAX_TIMESTAMP_SECONDS:
        raise CelError(f"timestamp {text!r} out of range")
    nanos = int((fraction or "0").ljust(9, "0"))
    return Timestamp(seconds * 1_000_000_000 + nanos)


def format_timestamp(value: Timestamp) -> str:
    """RFC 3339 in UTC, with the fraction only when there is one."""
    seconds, nanos = divmod(value.nanos, 1_000_000_000)
    moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"


def format_double(value: float) -> str:
    """A double the way CEL's ``string()`` writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)
