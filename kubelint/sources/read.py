"""Read one source (a file or stdin) into text, refusing what is not a manifest file."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kubelint.records import record
from kubelint.sources.boundary import OUTSIDE_HINT, Boundary
from kubelint.sources.discover import STDIN, Candidate
from kubelint.sources.files import FileTooLarge, NotRegularFile, read_regular
from kubelint.sources.yaml import Document, Problem, parse

if TYPE_CHECKING:  # imported by the runs that use the cache (it brings hashing, signing and temporary files)
    from kubelint.sources.cache import ParseCache

DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024


def template_action(text: str) -> int | None:
    """Where the first ``{{ ... }}`` on one line starts, or None.

    The leftmost match of ``\\{\\{.*?\\}\\}``, found in linear time: that pattern rescans the rest of the line
    from every ``{{`` (a line of 100,000 ``{{`` took minutes). A line has a match when its first ``{{`` starts
    before the start of its last ``}}`` minus one, and then the match starts at that first ``{{``.
    """
    start = text.find("{{")
    while start != -1:
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if text.rfind("}}", start + 2, end) != -1:
            return start
        start = text.find("{{", end)
    return None


@record
class Source:
    """A file as read: its display name, text, parsed documents and reading problems."""

    display: str
    text: str = ""
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    via: str = ""
    """What produced this source when it is not the file itself (the Kustomize root that rendered it, ``stdin``
    for a ``helm template`` stream split by template); empty for files linted as they are. Findings show it."""
    unit: str = ""
    """The key of the deployable unit this source belongs to (see :mod:`kubelint.model.units`); empty until
    the loader assigns it, which makes the file a unit of its own."""
    templates: list[Any] = field(default_factory=list, repr=False)
    """For ``helm template`` output kept as one file: each document's ``# Source:`` template
    (:class:`kubelint.sources.helm.Template`); findings in the file name their template."""

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, or ``""`` past the end."""
        lines = self.__dict__.get("_lines")
        if lines is None:
            lines = self.text.splitlines()
            self.__dict__["_lines"] = lines
        return lines[line - 1] if 0 < line <= len(lines) else ""


def read_bytes(candidate: Candidate, max_size: int = DEFAULT_MAX_FILE_SIZE) -> tuple[bytes | None, Problem | None]:
    """Read a candidate's bytes, or say why it cannot be linted."""
    try:
        if candidate.path == STDIN:
            data = sys.stdin.buffer.read(max_size + 1)  # never more than the limit in memory
        else:
            data = read_regular(candidate.path, max_size)
    except FileTooLarge as error:
        return None, Problem("file-too-large", f"{error} (raise it with --max-file-size)")
    except NotRegularFile as error:
        return None, Problem("unreadable-file", f"cannot read file: it is {error}")
    except OSError as error:
        return None, Problem("unreadable-file", f"cannot read file: {error.strerror or error}")
    if len(data) > max_size:
        return None, Problem("file-too-large", f"input is over the {max_size / 1048576:.0f} MiB limit "
                                               "(raise it with --max-file-size)")
    return data, None


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Decode UTF-8 text (a BOM is allowed), or say why the bytes are not a text file."""
    if b"\0" in data:
        return None, Problem("yaml-syntax", "not a text file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, Problem("yaml-syntax", f"not a text file: invalid UTF-8 at byte {error.start}", line)
    return text, None


def load_source(
    candidate: Candidate, max_size: int = DEFAULT_MAX_FILE_SIZE, cache: ParseCache | None = None,
    boundary: Boundary | None = None,
) -> Source:
    """Read and parse one file into a :class:`Source`, reusing a cached parse of the same bytes.

    With a ``boundary``, a path whose real path lies outside the linted roots (a symlink out of the tree) is not
    read at all: its source holds one ``unreadable-file`` problem and no text."""
    if boundary is not None and candidate.path != STDIN and not boundary.contains(candidate.path):
        return Source(candidate.display, problems=[outside_problem(candidate.path)])
    data, problem = read_bytes(candidate, max_size)
    if data is None:
        assert problem is not None
        return Source(candidate.display, problems=[problem])
    return source_of(candidate.display, data, cache, lambda: is_chart_template(candidate.path))


def source_of(display: str, data: bytes, cache: ParseCache | None = None,
              chart_template: Callable[[], bool] = lambda: False, store: bool = True) -> Source:
    """Parse a file's bytes (read from disk or from git) into a :class:`Source`, reusing a cached parse (and
    storing a new one unless not ``store``); ``chart_template`` says whether the file lies in a Helm chart's
    ``templates/`` folder."""
    if b"{{" in data and chart_template():
        # a Helm chart's template means nothing until rendered, even where its actions sit in quotes
        text, _ = decode(data)
        action = template_action(text or "")
        if text is not None and action is not None:
            return Source(display, text, [], [_template_problem(text, action)])
    key = cache.key(data) if cache is not None else ""
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        is_text, documents, problems = cached
        return Source(display, data.decode("utf-8-sig") if is_text else "", documents, problems)
    text, problem = decode(data)
    if text is None:
        assert problem is not None
        source = Source(display, problems=[problem])
    else:
        documents, problems = parse_text(text)
        source = Source(display, text, documents, problems)
    if cache is not None and store:
        cache.put(key, (text is not None, source.documents, source.problems))
    return source


def outside_problem(path: str) -> Problem:
    """Why a path that leads outside the linted roots was not read."""
    what = "symlink" if os.path.islink(path) else "path"
    return Problem("unreadable-file", f"not read: this {what} leads outside the linted tree; {OUTSIDE_HINT}")


def parse_text(text: str) -> tuple[list[Document], list[Problem]]:
    """Parse a file's text; a Go/Helm template that does not parse is one finding, not a cascade."""
    documents, problems = parse(text)
    if any(problem.code == "yaml-syntax" for problem in problems):
        action = template_action(text)
        if action is not None:  # a Helm/Go template: one finding, not a cascade of syntax errors
            return [], [_template_problem(text, action)]
    return documents, problems


def _template_problem(text: str, offset: int) -> Problem:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Problem(
        "unrenderable-template",
        "template syntax ({{ ... }}) that is not YAML until rendered; lint the rendered output "
        "(helm template ... | kubelint lint -)",
        line,
        column,
    )


@functools.lru_cache(maxsize=1024)
def _chart_folder(folder: str) -> bool:
    return os.path.basename(folder) == "templates" and os.path.isfile(
        os.path.join(os.path.dirname(folder), "Chart.yaml"))


def is_chart_template(path: str) -> bool:
    """Whether a file lies in the ``templates/`` folder (or below) of a Helm chart (a ``Chart.yaml`` beside it)."""
    if path == STDIN:
        return False
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if _chart_folder(folder):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
