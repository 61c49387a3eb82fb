"""Baselines: record today's findings so that a gate fails only on new ones.

A baseline file is JSON: ``{"kubelint-baseline": 1, "fingerprint": "v1", "findings": [...]}``, one entry
per finding with its fingerprint (see :mod:`kubelint.fingerprint`) and, for people reading diffs, the rule,
object, file, path and message. Line numbers are deliberately not stored: the file does not change
when lines move. Entries are sorted, so rewriting an unchanged baseline gives the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubelint.findings import Finding, dotted
from kubelint.fingerprint import VERSION, fingerprint, relative_path

FORMAT = 1


class BaselineError(Exception):
    """The baseline file cannot be used (a usage error: the message says why and how to fix it)."""


@dataclass(frozen=True, order=True)
class Entry:
    """One recorded finding."""

    file: str
    rule: str
    object: str
    path: str
    message: str
    fingerprint: str

    def describe(self) -> str:
        subject = f" {self.object}" if self.object else ""
        at = f" at {self.path}" if self.path else ""
        return f"{self.file}: [{self.rule}]{subject}{at}: {self.message}"


def entry_of(finding: Finding, source_root: str = ".") -> Entry:
    ref = finding.ref
    return Entry(
        file=relative_path(finding.file, source_root),
        rule=finding.rule,
        object=str(ref) if ref is not None else "",
        path=dotted(finding.location.path),
        message=finding.message,
        fingerprint=fingerprint(finding, source_root),
    )


def dump(findings: Iterable[Finding], source_root: str = ".") -> str:
    """The baseline file's text for ``findings`` (suppressed findings are not recorded)."""
    entries = sorted(entry_of(finding, source_root) for finding in findings if not finding.suppressed)
    document = {
        "kubelint-baseline": FORMAT,
        "fingerprint": VERSION,
        "findings": [
            {"fingerprint": e.fingerprint, "rule": e.rule, "file": e.file, "object": e.object or None,
             "path": e.path or None, "message": e.message}
            for e in entries
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(path: str, findings: Iterable[Finding], source_root: str = ".") -> int:
    """Write the baseline for ``findings`` to ``path``; return how many entries it holds."""
    text = dump(findings, source_root)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from error
    return len(json.loads(text)["findings"])


def load(path: str) -> list[Entry]:
    """Read a baseline file written by :func:`write`."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror or error} "
                            "(create it with --write-baseline)") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: not a kubelint baseline (invalid JSON: {error})") from error
    return parse(document, path)


def parse(document: Any, path: str = "baseline") -> list[Entry]:
    """Entries of a loaded baseline document; anything malformed is a :class:`BaselineError`."""
    if not isinstance(document, dict) or document.get("kubelint-baseline") != FORMAT:
        raise BaselineError(f"{path}: not a kubelint baseline (no \"kubelint-baseline\": {FORMAT})")
    if document.get("fingerprint") != VERSION:
        raise BaselineError(f"{path}: written with fingerprint recipe {document.get('fingerprint')!r}, this "
                            f"kubelint uses {VERSION!r}; rewrite it with --write-baseline")
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: \"findings\" must be a list")
    entries = []
    for index, item in enumerate(findings):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise BaselineError(f"{path}: findings[{index}] has no \"fingerprint\" string")
        entries.append(Entry(
            file=str(item.get("file") or ""), rule=str(item.get("rule") or ""), object=str(item.get("object") or ""),
            path=str(item.get("path") or ""), message=str(item.get("message") or ""),
            fingerprint=item["fingerprint"],
        ))
    return entries


def split(findings: Iterable[Finding], entries: Iterable[Entry],
          source_root: str = ".") -> tuple[list[Finding], list[Finding], list[Entry]]:
    """Separate findings into (kept, in the baseline) and list the baseline entries nothing matched (stale).

    An entry matches one finding with the same fingerprint; a fingerprint recorded twice matches two.
    Suppressed findings are neither matched nor counted: they stay as they are.
    """
    budget: Counter[str] = Counter()
    by_fingerprint: dict[str, list[Entry]] = {}
    for entry in entries:
        budget[entry.fingerprint] += 1
        by_fingerprint.setdefault(entry.fingerprint, []).append(entry)
    new: list[Finding] = []
    known: list[Finding] = []
    for finding in findings:
        if finding.suppressed:
            new.append(finding)
            continue
        key = fingerprint(finding, source_root)
        if budget[key] > 0:
            budget[key] -= 1
            known.append(finding)
        else:
            new.append(finding)
    stale = sorted(entry for key, left in budget.items() if left > 0 for entry in by_fingerprint[key][-left:])
    return new, known, stale
