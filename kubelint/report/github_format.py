"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding.

Manifest text reaches the log inside these commands, so it is escaped exactly as GitHub's own toolkit
(``@actions/core``, ``command.ts``) does: in the message ``%``, CR and LF become ``%25``, ``%0D`` and
``%0A``; in properties (file, title) ``:`` and ``,`` become ``%3A`` and ``%2C`` as well. A message can
then never end the command early or start a new one on a line of its own. Other control characters
(terminal escapes, bidi overrides) are shown as visible escapes first, as in the text report.
"""

from __future__ import annotations

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
    """One workflow command per finding, then the summary as a plain log line."""
    lines = [
        annotation(finding, settings.source_root)
        for finding in report.findings
        if settings.show_suppressed or not finding.suppressed
    ]
    lines.append(escape_control(summary_line(report)))
    return "\n".join(lines) + "\n"


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
        message += f" (suppressed{': ' + finding.suppression if finding.suppression else ''})"
    rendered = ",".join(f"{key}={escape_property(escape_control(value))}" for key, value in properties.items())
    command = "notice" if finding.suppressed else COMMANDS[finding.severity]  # shown, but not a problem
    return f"::{command} {rendered}::{escape_data(escape_control(message, keep_newlines=True))}"
