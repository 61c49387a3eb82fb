"""Reporters: one module per output format, each with ``render(report, settings) -> str``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from kubelint.engine import Report
from kubelint.findings import Severity

FORMATS = ("text", "json", "sarif", "github", "junit")

REPOSITORY_URL = "https://github.com/kubelint/kubelint"
"""Where kubelint lives: SARIF's ``informationUri`` and each built-in rule's ``helpUri`` point here."""


@dataclass(frozen=True)
class ReportSettings:
    """How to present a report (reporters never change what was found)."""

    color: bool = False
    show_source: bool = True
    show_summary: bool = True
    """The text report's summary line (``-q`` leaves it out; ``-v``'s lines stay)."""
    verbose: int = 0
    show_suppressed: bool = False
    source_root: str = "."
    """Machine formats (SARIF, GitHub, JUnit) give file paths relative to this folder."""
    fail_on: Severity | None = Severity.WARNING
    """The run's fail threshold: JUnit makes only findings at or above it ``<failure>``s."""


def render(report: Report, format_name: str, settings: ReportSettings | None = None) -> str:
    """Render a report in one of :data:`FORMATS`."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}")
    module = importlib.import_module(f"{__name__}.{format_name}_format")
    output: str = module.render(report, settings or ReportSettings())
    return output
