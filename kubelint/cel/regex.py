"""Regular expressions inside CEL (``matches``, ``find``, ``findAll``), matched in linear time with RE2.

CEL's regexes are RE2's (cel-go uses Go's ``regexp``), so RE2 gives the same meaning and never backtracks:
a pattern written by whoever wrote the repository cannot hang the run. A pattern RE2 refuses is a CEL error.
"""

from __future__ import annotations

import functools
from typing import Any

MAX_PATTERN_LENGTH = 4096


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    from kubelint.cel.values import CelError

    if len(pattern) > MAX_PATTERN_LENGTH:
        raise CelError(f"regex longer than {MAX_PATTERN_LENGTH} characters")
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise CelError(f"invalid regex {pattern!r}: {text}") from None


def search(pattern: str, text: str) -> Any:
    """The first match of ``pattern`` anywhere in ``text``, or None."""
    return _compiled(pattern).search(text)


def find_all(pattern: str, text: str, limit: int = -1) -> list[str]:
    """Every non-overlapping match of ``pattern`` in ``text`` (at most ``limit`` when it is not negative)."""
    out: list[str] = []
    if limit == 0:
        return out
    for match in _compiled(pattern).finditer(text):
        out.append(match.group(0))
        if 0 < limit <= len(out):
            break
    return out
