"""How the API server's Go code spells values in its messages (``%q``, joined quotes, plurals)."""

from __future__ import annotations

from collections.abc import Iterable

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            "\\": "\\\\", '"': '\\"'}


def go_quote(text: str) -> str:
    """Go's ``%q`` of a string: double quotes, backslash escapes, printable Unicode kept as it is."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def join_quote(items: Iterable[str]) -> str:
    """``"a", "b"`` (upstream's ``joinQuote``: no escaping inside the quotes)."""
    items = list(items)
    return '"' + '", "'.join(items) + '"' if items else ""


def pluralize(singular: str, plural: str, count: int) -> str:
    """``singular`` for one, ``plural`` otherwise."""
    return singular if count == 1 else plural
