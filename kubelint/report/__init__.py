"""Reporters: one module per output format, each with ``render(report, settings) -> str``."""

from __future__ import annotations

import importlib
import os

from kubelint.catalog import Rule
from kubelint.engine import Report
from kubelint.findings import Location, Severity
from kubelint.records import record

FORMATS = ("text", "json", "sarif", "github", "junit")

REPOSITORY_URL = "https://github.com/kubelint/kubelint"
"""Where kubelint lives: SARIF's ``informationUri`` and each built-in rule's ``helpUri`` point here."""


@record(frozen=True)
class ReportSettings:
    """How to present a report (reporters never change what was found)."""

    color: bool = False
    show_source: bool = True
    show_summary: bool = True
    """The text report's top rules and summary line (``-q`` leaves them out; ``-v``'s lines stay)."""
    verbose: int = 0
    show_suppressed: bool = False
    source_root: str = "."
    """Machine formats (SARIF, GitHub, JUnit) give file paths relative to this folder."""
    statistics: bool = False
    """Text: the number of findings per rule instead of the findings (``--statistics``)."""
    fail_on: Severity | None = Severity.WARNING
    """The run's fail threshold: JUnit makes only findings at or above it ``<failure>``s."""


def end_column(report: Report, location: Location) -> int:
    """Where the flagged token ends, exclusive (one past its last character, as SARIF counts): up to a comment
    or the end of the line; the start column when the line is not known."""
    start = max(location.column, 1)
    source = report.sources.get(location.file)
    if source is None:
        return start
    rest = source.line_text(location.line)[start - 1:]
    comment = rest.find(" #")
    if comment >= 0:
        rest = rest[:comment]
    return start + len(rest.rstrip())


def rule_help_uri(rule: Rule | None) -> str | None:
    """The rule's page in the repository's ``docs/rules``; None for user rules (they have no page there)."""
    if rule is None or not rule.file or rule.user:
        return None
    from kubelint.catalog import builtin_rules_dir

    try:
        builtin = os.path.samefile(os.path.dirname(os.path.abspath(rule.file)), builtin_rules_dir())
    except OSError:
        return None
    return f"{REPOSITORY_URL}/blob/main/docs/rules/{rule.id}.md" if builtin else None


def render(report: Report, format_name: str, settings: ReportSettings | None = None) -> str:
    """Render a report in one of :data:`FORMATS`."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}")
    module = importlib.import_module(f"{__name__}.{format_name}_format")
    output: str = module.render(report, settings or ReportSettings())
    return output
