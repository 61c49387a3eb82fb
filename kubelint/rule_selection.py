"""Which rules run: ``--enable``/``--disable`` and the configuration's ``rules`` lists.

An entry is a rule id, ``tag:TAG`` (every rule carrying that tag) or ``all``. On the command line a value may
hold several entries separated by commas (``--disable tag:probes,host-pid``). When entries of both lists
name a rule, the more specific one wins: an id over a tag, a tag over ``all``; at equal rank, disable wins.
Rule ids and tags compare case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubelint.catalog import Rule

ALL = "all"
TAG_PREFIX = "tag:"


def split_values(values: Iterable[str]) -> list[str]:
    """Command-line values -> entries: commas separate, blanks are dropped, case is folded."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if part and part not in out:
                out.append(part)
    return out


def unknown_entry(entry: str, catalog: Mapping[str, Rule]) -> str | None:
    """Why an entry names nothing (with the nearest known id or tag), or None when it is fine."""
    from kubelint.views.explain import nearest_rule

    entry = entry.lower()
    if entry == ALL or entry in catalog:
        return None
    if entry.startswith(TAG_PREFIX):
        tags = {tag.lower() for rule in catalog.values() for tag in rule.tags}
        tag = entry[len(TAG_PREFIX):]
        if tag in tags:
            return None
        hint = nearest_rule(tag, tags)
        return f"no rule has the tag {tag!r}" + (f" (did you mean 'tag:{hint}'?)" if hint else "")
    hint = nearest_rule(entry, catalog)
    return f"unknown rule id {entry!r}" + (f" (did you mean {hint!r}?)" if hint else "")


def _rank(rule: Rule, entries: Iterable[str]) -> int:
    """How specifically ``entries`` name ``rule``: 3 by id, 2 by tag, 1 by ``all``, 0 not at all."""
    tags = {f"{TAG_PREFIX}{tag.lower()}" for tag in rule.tags}
    best = 0
    for entry in entries:
        entry = entry.lower()
        if entry == rule.id:
            return 3
        if entry in tags:
            best = max(best, 2)
        elif entry == ALL:
            best = max(best, 1)
    return best


def wanted(rule: Rule, enable: Iterable[str], disable: Iterable[str]) -> bool:
    """Whether ``rule`` runs given the enable and disable entries."""
    enabled, disabled = _rank(rule, enable), _rank(rule, disable)
    if disabled and disabled >= enabled:
        return False
    return bool(enabled) or rule.enabled
