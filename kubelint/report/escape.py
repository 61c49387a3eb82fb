"""Make text from manifests safe to print: no control characters reach the terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_control(text: str, keep_newlines: bool = False) -> str:
    """Replace control characters (and bidi overrides) with visible escapes such as ``\\x1b``."""
    escaped = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100
                           else f"\\u{ord(match.group()):04x}", text)
    return escaped if keep_newlines else escaped.replace("\n", "\\n")
