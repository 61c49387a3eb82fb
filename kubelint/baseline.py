"""Baselines: record today's findings so that a gate fails only on new ones.

A baseline file is JSON: ``{"kubelint-baseline": 1, "fingerprint": "v1", "findings": [...]}``, one entry
per finding with its fingerprint (see :mod:`kubelint.fingerprint`) and, for people reading diffs, the rule,
object, file, path and message. Line numbers are deliberately not stored: the file does not change
when lines move. Entries are sorted, so rewriting an unchanged baseline gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kubelint.findings import MAX_NAME, Finding, dotted, excerpt
from kubelint.fingerprint import VERSION, fingerprint, relative_path
from kubelint.jsondepth import nested_deeper_than
from kubelint.records import record
from kubelint.report.escape import escape_control, json_text
from kubelint.sources.boundary import Boundary, redirected

FORMAT = 1
MAX_SIZE = 64 * 1024 * 1024
"""The largest baseline read (about 200,000 entries): a larger file, a device or a FIFO is refused, not read."""


class BaselineError(Exception):
    """The baseline file cannot be used (a usage error: the message says why and how to fix it)."""


@record(frozen=True, order=True)
class Entry:
    """One recorded finding."""

    file: str
    rule: str
    object: str
    path: str
    message: str
    fingerprint: str

    def describe(self) -> str:
        detail = " ".join(part for part in (self.object, f"at {self.path}" if self.path else "") if part)
        return f"{self.file}: [{self.rule}] {detail + ': ' if detail else ''}{self.message}"


def entry_of(finding: Finding, source_root: str = ".") -> Entry:
    ref = finding.ref
    return Entry(
        file=relative_path(finding.file, source_root),
        rule=finding.rule,
        object=str(ref) if ref is not None else "",
        path=excerpt(dotted(finding.location.path), MAX_NAME),
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
    return json_text(document) + "\n"


def write(path: str, findings: Iterable[Finding], source_root: str = ".") -> int:
    """Write the baseline for ``findings`` to ``path``; return how many entries it holds."""
    text = dump(findings, source_root)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from error
    return len(json.loads(text)["findings"])


def load(path: str, boundary: Boundary | None = None) -> list[Entry]:
    """Read a baseline file written by :func:`write`: a regular file of at most :data:`MAX_SIZE` bytes, not reached
    through a symlink of the linted tree (``boundary``; default: the tree holding ``path``) that leads out of it."""
    from kubelint.sources.files import read_regular

    link = (boundary or Boundary.around([path])).redirect(path)
    if link is not None:
        raise BaselineError(f"the baseline is not read: {redirected(path, link)}")
    try:
        document = json.loads(read_regular(path, MAX_SIZE))
    except OSError as error:
        hint = " (create it with --write-baseline)" if isinstance(error, FileNotFoundError) else ""
        raise BaselineError(f"{escape_control(path)}: cannot read the baseline: {error.strerror or error}{hint}") \
            from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BaselineError(f"{escape_control(path)}: not a kubelint baseline (invalid JSON: {error})") from error
    except RecursionError as error:  # json's decoder recursed once per nesting level (Python <= 3.12)
        raise BaselineError(f"{escape_control(path)}: not a kubelint baseline (JSON nested too deeply)") from error
    if nested_deeper_than(document):
        raise BaselineError(f"{escape_control(path)}: not a kubelint baseline (JSON nested too deeply)")
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

    An entry matches one finding with the same fingerprint, preferably one in the same file (so that when a
    third copy of a known problem appears, the new copy is the one reported); a fingerprint recorded twice
    matches two findings. Suppressed findings are neither matched nor counted: they stay as they are.
    """
    unmatched: dict[str, dict[str, list[Entry]]] = {}
    for entry in sorted(entries):
        unmatched.setdefault(entry.fingerprint, {}).setdefault(entry.file, []).append(entry)
    items = list(findings)
    keys = [(fingerprint(f, source_root), relative_path(f.file, source_root)) for f in items]
    known_at: set[int] = set()
    for same_file in (True, False):
        for position, (finding, (key, file)) in enumerate(zip(items, keys, strict=True)):
            if finding.suppressed or position in known_at:
                continue
            files = unmatched.get(key, {})
            for left in [files.get(file)] if same_file else list(files.values()):
                if left:
                    left.pop(0)
                    known_at.add(position)
                    break
    kept = [finding for position, finding in enumerate(items) if position not in known_at]
    known = [finding for position, finding in enumerate(items) if position in known_at]
    stale = sorted(entry for files in unmatched.values() for left in files.values() for entry in left)
    return kept, known, stale
