"""Fingerprints: a finding's identity that survives inserted lines, reformatting and moved files.

A fingerprint is built from the rule id, the object's identity (group, kind, namespace, name), the
dotted path of the node inside the object and the message with whitespace collapsed and numbers
blanked. Line and column numbers never enter it. Findings about a file rather than an object (a YAML
syntax error, an unreadable file) use the file's path relative to the source root instead of an object.

Two findings can share a fingerprint (the same problem twice in one file); :func:`occurrences` numbers
them in report order so that each one has its own key (``<hash>:<n>``, as GitHub numbers its own).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable

from kubelint.findings import Finding, dotted

VERSION = "v1"
"""Bump when the recipe changes: baselines written with another version are reported as such."""

_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"[^\s'\"()\[\]{},;]+")
_EXTENSION = re.compile(r"\.(?:ya?ml|json)\b", re.IGNORECASE)


def _blank_file(token: re.Match[str]) -> str:
    """A token up to its last ``.yaml``/``.yml``/``.json`` becomes ``<file>``.

    The same as substituting ``[^\\s'"()\\[\\]{},;]+\\.(?:ya?ml|json)\\b`` in the whole message, but that
    pattern backtracks over every start inside a long token (quadratic); tokens are matched once each here.
    """
    text = token.group()
    last = None
    for last in _EXTENSION.finditer(text):  # noqa: B007  # the last one is wanted
        pass
    return text if last is None or last.start() == 0 else "<file>" + text[last.end():]


def normalize_message(message: str) -> str:
    """Collapse whitespace, blank out manifest file names (``the first definition is at k8s/a.yaml:3``: files
    are renamed, and ``kubelint lint`` and ``kubelint lint k8s/`` name them differently) and numbers
    (positions, byte offsets and sizes shift when files change)."""
    return _NUMBER.sub("#", _TOKEN.sub(_blank_file, _SPACE.sub(" ", message).strip()))


def relative_path(file: str, source_root: str = ".") -> str:
    """``file`` relative to ``source_root`` with forward slashes (absolute when it lies outside the root)."""
    if file == "-" or file.startswith("<"):
        return file
    absolute = os.path.abspath(file)
    root = os.path.abspath(source_root)
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/")
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def identity(finding: Finding, source_root: str = ".") -> str:
    """What a fingerprint is made of, readable (baselines store it next to the hash)."""
    ref = finding.ref
    subject = f"file {relative_path(finding.file, source_root)}" if ref is None else (
        f"{ref.group}/{ref.kind}/{ref.namespace or ''}/{ref.name}")
    return "\x1f".join((finding.rule, subject, dotted(finding.location.path), normalize_message(finding.message)))


def fingerprint(finding: Finding, source_root: str = ".") -> str:
    """A short stable hash of :func:`identity` (hex, 32 characters)."""
    digest = hashlib.sha256(f"{VERSION}\x1e{identity(finding, source_root)}".encode()).hexdigest()
    return digest[:32]


def occurrences(findings: Iterable[Finding], source_root: str = ".") -> list[tuple[Finding, str, int]]:
    """Each finding with its fingerprint and its 1-based occurrence number among equal fingerprints."""
    seen: Counter[str] = Counter()
    out = []
    for finding in findings:
        key = fingerprint(finding, source_root)
        seen[key] += 1
        out.append((finding, key, seen[key]))
    return out
