"""Readable terminal output: ``path:line:col: severity [rule] message``, the source line and a caret."""

from __future__ import annotations

from kubelint.engine import Report
from kubelint.findings import Finding, Severity
from kubelint.report import ReportSettings
from kubelint.report.escape import escape_control

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
EXCERPT_WIDTH = 160
"""Source lines longer than this are shown as a window around the finding's column."""
EXCERPT_CONTEXT = 60


def render(report: Report, settings: ReportSettings) -> str:
    """Render findings one per line (clickable in editors) followed by a summary."""
    lines: list[str] = []
    for finding in report.findings:
        if finding.suppressed and not settings.show_suppressed:
            continue
        lines.append(_headline(finding, settings.color))
        if settings.show_source:
            lines.extend(_source_excerpt(report, finding, settings.color))
    if settings.show_summary:
        lines.append(summary_line(report))
    if settings.verbose:
        lines.extend(f"{escape_control(file)}:{line}: skipped ({why})" for file, line, why in report.skipped)
        lines.extend(f"{escape_control(f.file)}:{f.line}:{f.column}: held back [{f.rule}] "
                     f"{escape_control(f.message)} ({escape_control(f.held)})" for f in report.held)
    return "".join(line + "\n" for line in lines)


def _headline(finding: Finding, color: bool) -> str:
    place = f"{escape_control(finding.file)}:{finding.line}:{finding.column}:"
    severity = str(finding.severity)
    rule = f"[{finding.rule}]"
    message = escape_control(finding.message)
    if finding.location.via:
        message += f" (via {escape_control(finding.location.via)})"
    if finding.suppressed:
        message += f" (suppressed{': ' + finding.suppression if finding.suppression else ''}"
        message += f" -- {escape_control(finding.justification)})" if finding.justification else ")"
    if color:
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
        rule = f"{_BOLD}{rule}{_RESET}"
    return f"{place} {severity} {rule} {message}"


def _source_excerpt(report: Report, finding: Finding, color: bool) -> list[str]:
    source = report.sources.get(finding.file)
    if source is None:
        return []
    raw = source.line_text(finding.line)
    if not raw.strip():
        return []
    before, after = raw[: finding.column - 1], raw[finding.column - 1:]
    if len(before) > EXCERPT_CONTEXT:  # a minified or generated line: show a window around the column
        before = "..." + before[-EXCERPT_CONTEXT:]
    if len(after) > EXCERPT_WIDTH - EXCERPT_CONTEXT:
        after = after[: EXCERPT_WIDTH - EXCERPT_CONTEXT] + "..."
    shown = escape_control((before + after).expandtabs(1))
    prefix = escape_control(before.expandtabs(1))
    caret = " " * len(prefix) + "^"
    if color:
        return [f"  {_DIM}{shown}{_RESET}", f"  {_COLORS[finding.severity]}{caret}{_RESET}"]
    return [f"  {shown}", f"  {caret}"]


def summary_line(report: Report) -> str:
    """``3 files, 12 objects: 1 error, 2 warnings, 0 info (1 suppressed)``."""
    counts = report.counts()
    files = len(report.sources)
    parts = [
        _plural(counts[Severity.ERROR], "error"),
        _plural(counts[Severity.WARNING], "warning"),
        f"{counts[Severity.INFO]} info",
    ]
    text = f"{_plural(files, 'file')}, {_plural(report.objects, 'object')}: {', '.join(parts)}"
    suppressed = len(report.findings) - len(report.active)
    if suppressed:
        text += f" ({suppressed} suppressed)"
    if report.baselined:
        text += f" ({len(report.baselined)} in the baseline)"
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
