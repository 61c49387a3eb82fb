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


TOP_RULES = 5
"""How many of the most frequent rules the summary names."""


def render(report: Report, settings: ReportSettings) -> str:
    """Render findings one per line (clickable in editors), or per-rule counts with ``statistics``, followed by
    the most frequent rules and a summary."""
    lines: list[str] = []
    if settings.statistics:
        lines.extend(statistics(report))
    else:
        for finding in report.findings:
            if finding.suppressed and not settings.show_suppressed:
                continue
            lines.append(_headline(finding, settings.color))
            if settings.show_source:
                lines.extend(_source_excerpt(report, finding, settings.color))
    if settings.show_summary:
        top = top_rules(report)
        if top and not settings.statistics:
            lines.append(top)
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


def rule_counts(report: Report) -> list[tuple[str, int, Severity]]:
    """(rule, active findings, highest severity) per rule, most frequent first."""
    counts: dict[str, int] = {}
    worst: dict[str, Severity] = {}
    for finding in report.active:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
        worst[finding.rule] = max(worst.get(finding.rule, finding.severity), finding.severity)
    return [(rule, count, worst[rule]) for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def statistics(report: Report) -> list[str]:
    """``--statistics``: one line per rule, as ruff prints them: count, rule id, severity, summary."""
    counted = rule_counts(report)
    if not counted:
        return []
    width = max(len(str(count)) for _, count, _ in counted)
    rule_width = max(len(rule) for rule, _, _ in counted)
    out = []
    for rule_id, count, severity in counted:
        rule = report.rules.get(rule_id)
        summary = escape_control(rule.summary) if rule is not None else ""
        out.append(f"{count:>{width}}  {rule_id:<{rule_width}}  {severity!s:<7}  {summary}".rstrip())
    return out


def top_rules(report: Report) -> str:
    """``top rules: run-as-root 12, latest-image-tag 3 (--statistics lists all 7)`` (empty without findings)."""
    counted = rule_counts(report)
    if not counted:
        return ""
    shown = ", ".join(f"{rule} {count}" for rule, count, _ in counted[:TOP_RULES])
    more = f" (--statistics lists all {len(counted)})" if len(counted) > TOP_RULES else ""
    return f"top rules: {shown}{more}"


def summary_line(report: Report) -> str:
    """``3 files, 12 objects: 1 error, 2 warnings, 0 info (1 suppressed)``."""
    counts = report.counts()
    files = report.file_count
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
    if report.new_since is not None:
        text += f"; {_plural(len(report.existing), 'finding')} already there at {report.new_since}"
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
