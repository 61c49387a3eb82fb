"""The JSON report: a stable contract for other tools (see docs/json-output.md)."""

from __future__ import annotations

from typing import Any

from kubelint import __version__
from kubelint.engine import Report
from kubelint.findings import MAX_NAME, Finding, Severity, dotted, excerpt
from kubelint.report import ReportSettings, end_column, rule_help_uri
from kubelint.report.escape import json_text


def render(report: Report, settings: ReportSettings) -> str:
    """``{"version", "summary", "findings": [...]}`` with 1-based positions and dotted paths."""
    counts = report.counts()
    findings = [f for f in report.findings if settings.show_suppressed or not f.suppressed]
    document = {
        "version": __version__,
        "summary": {
            "files": report.file_count,
            "objects": report.objects,
            "findings": len(report.active),
            "error": counts[Severity.ERROR],
            "warning": counts[Severity.WARNING],
            "info": counts[Severity.INFO],
            "suppressed": len(report.findings) - len(report.active),
            "baselined": len(report.baselined),
            **({"existing": len(report.existing), "new-since": report.new_since}
               if report.new_since is not None else {}),
        },
        "findings": [finding_to_json(finding, report) for finding in findings],
    }
    return json_text(document) + "\n"


def finding_to_json(finding: Finding, report: Report | None = None) -> dict[str, Any]:
    """One finding as the JSON contract describes it (``end_column`` and ``help_url`` need the report)."""
    location = finding.location
    ref = location.ref
    obj = None
    if ref is not None:
        obj = {"apiVersion": location.api_version and excerpt(location.api_version, MAX_NAME),
               "kind": excerpt(ref.kind, MAX_NAME), "namespace": ref.namespace and excerpt(ref.namespace, MAX_NAME),
               "name": excerpt(ref.name, MAX_NAME)}
    out: dict[str, Any] = {
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.line,
        "end_column": end_column(report, location) if report is not None else finding.column,
        "path": excerpt(dotted(location.path), MAX_NAME) if location.path else None,
        "object": obj,
        "help_url": rule_help_uri(report.rules.get(finding.rule)) if report is not None else None,
    }
    if location.via:
        out["via"] = location.via
    if finding.suppressed:
        out["suppressed"] = finding.suppression or True
        if finding.justification:
            out["suppression_reason"] = finding.justification
    return out
