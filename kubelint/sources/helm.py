"""Split ``helm template`` output into one source per template, named by its ``# Source:`` comment."""

from __future__ import annotations

import itertools
import re

from kubelint.sources.read import Source
from kubelint.sources.yaml import parse

_HELM_SOURCE = re.compile(r"^# Source: (\S+/\S.*?)\s*$", re.MULTILINE)
_HELM_START = re.compile(r"(?:\A|^---[ \t]*\n)# Source: \S+/", re.MULTILINE)
_DOCUMENT_START = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)


def is_helm_stream(text: str) -> bool:
    """Whether a text is ``helm template`` output: documents introduced by ``# Source: chart/templates/x``."""
    if text.find("# Source: ", 0, 4096) < 0:  # a literal search first: the regex tries every line start
        return False
    match = _HELM_START.search(text, 0, 4096)
    return match is not None


def split_helm_stream(source: Source) -> list[Source]:
    """Split ``helm template`` output into one source per template file (``display`` is its ``# Source:``).

    The documents of one template are joined in order, so a finding's line is its line in the template as
    rendered. Documents without a ``# Source:`` stay with the stream itself, at their lines in it.
    """
    text = source.text
    starts = [match.start() for match in _DOCUMENT_START.finditer(text)]
    bounds = [0, *starts, len(text)] if not starts or starts[0] != 0 else [*starts, len(text)]
    chunks: dict[str, list[str]] = {}
    rest: list[str] = []
    kept = False
    for begin, end in itertools.pairwise(bounds):
        chunk = text[begin:end]
        if not chunk.strip():
            rest.append(chunk)
            continue
        body = chunk[chunk.index("\n") + 1:] if _DOCUMENT_START.match(chunk) and "\n" in chunk else chunk
        found = _HELM_SOURCE.search(body)
        if found is None or body[: found.start()].strip():
            rest.append(chunk)
            kept = True
            continue
        chunks.setdefault(found.group(1), []).append(body)
        rest.append("\n" * chunk.count("\n"))  # keeps the lines of what stays with the stream
    sources = []
    if kept:
        sources.append(_parsed(source.display, "".join(rest), source.via))
    for template, bodies in chunks.items():
        joined = "---\n".join(body if body.endswith("\n") else body + "\n" for body in bodies)
        sources.append(_parsed(template, joined, "stdin" if source.display == "-" else source.display))
    return sources


def _parsed(display: str, text: str, via: str) -> Source:
    documents, problems = parse(text)
    return Source(display, text, documents, problems, via=via)
