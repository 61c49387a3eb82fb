"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding.

Manifest text reaches the log inside these commands, so it is escaped exactly as GitHub's own toolkit
(``@actions/core``, ``command.ts``) does: in the message ``%``, CR and LF become ``%25``, ``%0D`` and
``%0A``; in properties (file, title) ``:`` and ``,`` become ``%3A`` and ``%2C`` as well. A message can
then never end the command early or start a new one on a line of its own. Other control characters
(terminal escapes, bidi overrides) are shown as visible escapes first, as in the text report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from urllib.parse import quote

from kubelint.engine import Report
from kubelint.findings import Finding, Severity
from kubelint.fingerprint import relative_path
from kubelint.report import ReportSettings
from kubelint.report.escape import escape_control
from kubelint.report.text_format import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, settings: ReportSettings) -> str:
    """One workflow command per finding, errors first, then the summary as a plain log line.

    GitHub shows at most :data:`ANNOTATION_LIMIT` annotations of each kind per step and drops the rest
    silently, so the findings beyond that are printed as plain log lines instead and a last line says how
    many of each kind were not annotated.
    """
    shown = [finding for finding in report.findings if settings.show_suppressed or not finding.suppressed]
    shown.sort(key=lambda finding: (-_rank(finding), finding.sort_key()))
    annotated: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    lines = []
    for finding in shown:
        command = _command(finding)
        if annotated[command] < ANNOTATION_LIMIT:
            annotated[command] += 1
            lines.append(annotation(finding, settings.source_root))
        else:
            left_out[command] += 1
            lines.append(plain_line(finding, settings.source_root))
    lines.append(escape_control(summary_line(report)))
    if left_out:
        counts = ", ".join(f"{left_out[command]} {command}{'s' if left_out[command] != 1 else ''}"
                           for command in ("error", "warning", "notice") if left_out[command])
        lines.append(f"kubelint: GitHub shows at most {ANNOTATION_LIMIT} annotations of each kind per step; "
                     f"{counts} more are listed above as plain lines, not annotated")
    return "\n".join(lines) + "\n"


ANNOTATION_LIMIT = 10
"""GitHub's limit of annotations per kind (error, warning, notice) and step."""


def _command(finding: Finding) -> str:
    return "notice" if finding.suppressed else COMMANDS[finding.severity]  # shown, but not a problem


def _rank(finding: Finding) -> int:
    return 0 if finding.suppressed else int(finding.severity)


def plain_line(finding: Finding, source_root: str = ".") -> str:
    """A finding as a log line that is no workflow command (it starts with ``  - ``, never with ``::``)."""
    place = "stdin" if finding.file == "-" else relative_path(finding.file, source_root)
    severity = "suppressed" if finding.suppressed else str(finding.severity)
    return escape_control(f"  - {place}:{finding.line}:{finding.column}: {severity} [{finding.rule}] "
                          f"{finding.message}")


def markdown_summary(report: Report, settings: ReportSettings, environ: Mapping[str, str], top: int = 20) -> str:
    """The job summary (``$GITHUB_STEP_SUMMARY``): counts per severity and rule, the first findings with links.

    Manifest text is escaped for Markdown and HTML, so a message cannot add links, images or markup.
    """
    from kubelint.report import rule_help_uri

    active = [finding for finding in report.findings if not finding.suppressed]
    active.sort(key=lambda finding: (-_rank(finding), finding.sort_key()))
    server, repository, sha = (environ.get(key, "") for key in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                                  "GITHUB_SHA"))
    blob = f"{server}/{repository}/blob/{sha}/" if server and repository and sha else ""
    out = ["## kubelint", "", md_escape(summary_line(report)), ""]
    if active:
        by_rule = Counter((finding.rule, finding.severity) for finding in active)
        out += ["| rule | severity | findings |", "|---|---|---|"]
        for (rule_id, severity), number in sorted(by_rule.items(), key=lambda item: (-item[0][1], -item[1],
                                                                                       item[0][0])):
            url = rule_help_uri(report.rules.get(rule_id))
            name = f"[`{rule_id}`]({url})" if url else f"`{rule_id}`"
            out.append(f"| {name} | {severity} | {number} |")
        out += ["", f"### {'First findings' if len(active) > top else 'Findings'}", ""]
        for finding in active[:top]:
            place = "stdin" if finding.file == "-" else relative_path(finding.file, settings.source_root)
            where = f"{place}:{finding.line}"
            target = quote(place, safe="/", errors="surrogateescape")  # a name's undecodable bytes as %FF
            link = (f"[{md_escape(where)}]({blob}{target}#L{finding.line})"
                    if blob and finding.file != "-" and not place.startswith(("/", "..")) else md_escape(where))
            out.append(f"- {link} **{finding.severity}** `{finding.rule}`: {md_escape(finding.message)}")
        if len(active) > top:
            out.append(f"- ... and {len(active) - top} more (see the step's log)")
    return "\n".join(out) + "\n"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md_escape(text: str) -> str:
    """Text shown as itself in GitHub Markdown: HTML characters as entities, Markdown punctuation escaped."""
    text = escape_control(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


def annotation(finding: Finding, source_root: str = ".") -> str:
    """``::error file=k8s/app.yaml,line=12,col=5,title=rule-id::message``."""
    properties = {} if finding.file == "-" else {  # stdin is no file in the repository
        "file": relative_path(finding.file, source_root),
        "line": str(finding.line),
        "col": str(finding.column),
    }
    properties["title"] = finding.rule
    message = finding.message
    if finding.ref is not None:
        message = f"{message} ({finding.ref})" if str(finding.ref) not in message else message
    if finding.suppressed:
        message += f" (suppressed{': ' + finding.suppression if finding.suppression else ''}"
        message += f" -- {finding.justification})" if finding.justification else ")"
    rendered = ",".join(f"{key}={escape_property(escape_control(value))}" for key, value in properties.items())
    command = _command(finding)
    return f"::{command} {rendered}::{escape_data(escape_control(message, keep_newlines=True))}"
