"""Make text from manifests and file names safe to print: no control characters reach the terminal, no
undecodable file-name bytes (lone surrogates) reach an encoder, and no legacy workflow command reaches a
GitHub Actions log."""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw although a terminal or an encoder chokes on it."""


def _visible(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (Python's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


_IGNORABLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
              "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\u0600-\u0605\u06dd\u070f\u08e2\U000110bd"
              "\U000110cd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
"""Unicode's default-ignorable code points and other format characters: .NET's culture-aware ``IndexOf``
(ICU on Linux) skips them, so ``#\u200b#[`` may count as ``##[``."""
_LEGACY_COMMAND = re.compile(f"#([{_IGNORABLE}]*)#([{_IGNORABLE}]*)\\[")
"""GitHub's runner still reads ``##[command]data`` (``add-mask``, ``stop-commands``, ``error`` ...) *anywhere* in
a log line, not only at its start as it does ``::command::`` (``ActionCommand.TryParse`` in actions/runner)."""


def escape_control(text: str, keep_newlines: bool = False) -> str:
    """Replace control characters, bidi overrides and undecodable file-name bytes with visible escapes such as
    ``\\x1b``, ``\\u202e`` and ``\\xff``; the second ``#`` of ``##[`` becomes ``\\x23`` (see
    :data:`_LEGACY_COMMAND`)."""
    escaped = _CONTROL.sub(lambda match: _visible(match.group()), text)
    escaped = _LEGACY_COMMAND.sub(r"#\1\\x23\2[", escaped)
    return escaped if keep_newlines else escaped.replace("\n", "\\n")


def json_text(value: Any, indent: int | None = 2) -> str:
    """``json.dumps`` safe to print and to encode, with the same data: C1 controls, bidi overrides and lone
    surrogates (the undecodable bytes of a file name) are written as ``\\uXXXX`` escapes, which JSON allows and
    which Python's ``json`` reads back to the same string (``os.fsencode`` then gives the exact name)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
