"""Regular expressions inside CEL (``matches``, ``find``, ``findAll``), matched in linear time with RE2.

CEL's regexes are RE2's (cel-go uses Go's ``regexp``), so RE2 gives the same meaning and never backtracks:
a pattern written by whoever wrote the repository cannot hang the run. Patterns are compiled (and cached,
length-capped) by :mod:`kubelint.patterns`, the one place kubelint compiles patterns from input; a pattern RE2
refuses is a CEL error.
"""

from __future__ import annotations

from typing import Any


def _compiled(pattern: str) -> Any:
    from kubelint.cel.values import CelError
    from kubelint.patterns import PatternError, compile_pattern

    try:
        return compile_pattern(pattern)
    except PatternError as error:
        raise CelError(f"invalid regex {pattern!r}: {error}") from None


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
