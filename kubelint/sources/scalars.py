"""YAML 1.1 plain scalars as Kubernetes reads them.

kubectl and the API server read YAML with go-yaml v2 rules: unquoted ``yes``/``no``/``on``/``off``/``y``/``n``
are booleans and ``0755`` is an octal integer. We resolve scalars the same way so that every stage sees the
values Kubernetes will see.
"""

from __future__ import annotations

import math
import re

_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
}
_INT = re.compile(r"[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")

Scalar = str | int | float | bool | None

STR_TAG = "tag:yaml.org,2002:str"


def resolve_plain(text: str) -> Scalar:
    """Resolve an unquoted scalar as go-yaml v2 does (YAML 1.1 booleans, octal, hex, binary)."""
    if text in _NULLS:
        return None
    boolean = _BOOLS.get(text)
    if boolean is not None:
        return boolean
    first = text[0]
    if not (first.isdigit() or first in "+-."):
        return text
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    digits = text.replace("_", "") if "_" in text else text
    if _INT.fullmatch(digits):
        number = _parse_int(digits)
        if number is not None:
            return number
    if _FLOAT.fullmatch(digits):
        value = float(digits)
        if not math.isinf(value):  # Go's ParseFloat refuses what overflows a float64: the text stays a string
            return value
    return text


_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1


def _parse_int(digits: str) -> int | None:
    """An integer as Go's ``ParseInt``/``ParseUint`` read it (64 bits), or None when it does not fit.

    go-yaml then tries the text as a float, else keeps it as a string; so no integer here is ever longer than
    20 digits (Python refuses to convert or print integers over 4,300 digits, and such numbers mean nothing to
    Kubernetes)."""
    sign = -1 if digits[0] == "-" else 1
    body = digits.lstrip("+-")
    prefix = body[:2].lower()
    if prefix in ("0x", "0b", "0o"):
        base, body = {"0x": 16, "0b": 2, "0o": 8}[prefix], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base = 8
    else:
        base = 10
    significant = body.lstrip("0")
    if len(significant) > 64:  # more than 64 bits in any base (checked before converting anything long)
        return None
    value = sign * int(significant or "0", base)
    if _INT64_MIN <= value <= _INT64_MAX or (digits[0] not in "+-" and value <= _UINT64_MAX):
        return value
    return None


def key_text(value: Scalar) -> str:
    """Turn a resolved mapping key into the string Kubernetes' YAML-to-JSON conversion makes of it."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
