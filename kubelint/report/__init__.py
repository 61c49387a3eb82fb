"""Reporters: one module per output format, each with ``render(report, settings) -> str``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from kubelint.engine import Report

FORMATS = ("text", "json")


@dataclass(frozen=True)
class ReportSettings:
    """How to present a report (reporters never change what was found)."""

    color: bool = False
    show_source: bool = True
    verbose: int = 0
    show_suppressed: bool = False


def render(report: Report, format_name: str, settings: ReportSettings | None = None) -> str:
    """Render a report in one of :data:`FORMATS`."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}")
    module = importlib.import_module(f"{__name__}.{format_name}_format")
    output: str = module.render(report, settings or ReportSettings())
    return output
