"""``helm template`` output: the ``# Source:`` comment of each document names the chart template it came from.

A file on disk keeps its own name and lines (a finding must point at a file that exists): its documents only
learn their template (:func:`helm_templates`), which findings then mention. Output piped on stdin has no file
to point at, so it is split into one source per template (:func:`split_helm_stream`). Either way a
``# Source:`` value is text from the input: only a plain relative path (:func:`safe_template_name`) is ever
used as a name, never ``/etc/passwd`` or ``../../x``.
"""

from __future__ import annotations

import bisect
import itertools
import re

from kubelint.records import record
from kubelint.sources.read import Source
from kubelint.sources.yaml import parse

_HELM_SOURCE = re.compile(r"^# Source: (\S+/\S.*)", re.MULTILINE)
"""The template's path is the rest of the line, trailing whitespace stripped (in code: ``.*?\\s*$`` would
backtrack over a long run of spaces from every position, quadratic in the line's length)."""
_HELM_START = re.compile(r"(?:\A|^---[ \t]*\n)# Source: \S+/", re.MULTILINE)
_DOCUMENT_START = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x1f\x7f\\\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_TEMPLATE_NAME = 1024
"""Longer ``# Source:`` values are not names of chart templates."""


def is_helm_stream(text: str) -> bool:
    """Whether a text is ``helm template`` output: documents introduced by ``# Source: chart/templates/x``."""
    if text.find("# Source: ", 0, 4096) < 0:  # a literal search first: the regex tries every line start
        return False
    match = _HELM_START.search(text, 0, 4096)
    return match is not None


def safe_template_name(name: str) -> str | None:
    """``name`` when it is a plain relative path (``chart/templates/x.yaml``), else None.

    Absolute paths, drive letters, ``..`` and ``.`` segments, empty segments, backslashes, control and bidi
    characters and overlong values are refused: a ``# Source:`` comment may say anything, and what it says
    must never name a file outside the linted tree (``# Source: ../../../etc/passwd``).
    """
    if not name or len(name) > MAX_TEMPLATE_NAME or _UNSAFE_CHARACTER.search(name):
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") or part != part.strip() for part in parts):
        return None
    if ":" in parts[0] or parts[0].startswith("~"):
        return None
    return name


@record(frozen=True)
class Template:
    """One document of a helm output file and the template its ``# Source:`` comment names."""

    first_line: int
    """The first line of the document: its ``---`` line, or 1."""
    comment_line: int
    """The line of its ``# Source:`` comment (0: the document has none)."""
    name: str | None
    """The template (``chart/templates/x.yaml``); None without a comment or when it is not a safe name."""


def _chunks(text: str) -> list[tuple[int, int, str]]:
    """The documents of a text as ``(offset, length of its --- line, chunk)``, the ``---`` line included."""
    starts = [match.start() for match in _DOCUMENT_START.finditer(text)]
    bounds = [0, *starts, len(text)] if not starts or starts[0] != 0 else [*starts, len(text)]
    out = []
    for begin, end in itertools.pairwise(bounds):
        chunk = text[begin:end]
        skip = (chunk.index("\n") + 1 if "\n" in chunk else len(chunk)) if _DOCUMENT_START.match(chunk) else 0
        out.append((begin, skip, chunk))
    return out


def _source_comment(body: str) -> re.Match[str] | None:
    """The ``# Source:`` comment that introduces a document (only blank lines and comments before it)."""
    found = _HELM_SOURCE.search(body)
    if found is None or not _only_comments(body[: found.start()]):
        return None
    return found


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def helm_templates(text: str) -> list[Template]:
    """Every document of a helm output file, in order, with the template its ``# Source:`` comment names."""
    found = []
    line = 1
    for _, skip, chunk in _chunks(text):
        body = chunk[skip:]
        match = _source_comment(body)
        if match is None:
            found.append(Template(line, 0, None))
        else:
            comment = line + chunk.count("\n", 0, skip) + body.count("\n", 0, match.start())
            found.append(Template(line, comment, safe_template_name(match.group(1).rstrip())))
        line += chunk.count("\n")
    return found


def template_at(templates: list[Template], line: int) -> Template | None:
    """The document of ``line`` when a ``# Source:`` comment with a safe name introduces it, else None."""
    index = bisect.bisect_right([template.first_line for template in templates], line) - 1
    if index < 0 or templates[index].name is None:
        return None
    return templates[index]


def split_helm_stream(source: Source) -> list[Source]:
    """Split ``helm template`` output read from stdin into one source per template file (``display`` is its
    ``# Source:``, when that is a safe name).

    The documents of one template are joined in order, so a finding's line is its line in the template as
    rendered. Documents without a usable ``# Source:`` stay with the stream itself, at their lines in it.
    """
    text = source.text
    chunks: dict[str, list[str]] = {}
    rest: list[str] = []
    kept = False
    for _, skip, chunk in _chunks(text):
        if not chunk.strip():
            rest.append(chunk)
            continue
        body = chunk[skip:]
        found = _source_comment(body)
        name = safe_template_name(found.group(1).rstrip()) if found is not None else None
        if name is None:
            rest.append(chunk)
            kept = True
            continue
        chunks.setdefault(name, []).append(body)
        rest.append("\n" * chunk.count("\n"))  # keeps the lines of what stays with the stream
    sources = []
    if kept:
        sources.append(_parsed(source.display, "".join(rest), source.via, source.unit))
    for template, bodies in chunks.items():
        joined = "---\n".join(body if body.endswith("\n") else body + "\n" for body in bodies)
        sources.append(_parsed(template, joined, "stdin" if source.display == "-" else source.display,
                               source.unit))
    return sources


def _parsed(display: str, text: str, via: str, unit: str) -> Source:
    documents, problems = parse(text)
    return Source(display, text, documents, problems, via=via, unit=unit)
