"""JUnit XML for CI test reports (GitLab, Jenkins, Azure DevOps).

One ``<testsuite>`` per rule that ran. In it, one failing ``<testcase>`` per object and rule (named
``namespace/Kind/name``; a finding about a file rather than an object is named after the file), whose
``<failure>`` lists every finding of that rule on that object with its position. A rule without
findings gets one passing test case, so the report shows what was checked.

The report follows the run's ``--fail-on``: only findings at or above it are failures. A test case whose
findings are all below it passes and lists them in ``<system-out>`` (GitLab would otherwise show red tests
on a green job); with ``--fail-on never`` nothing fails.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.etree import ElementTree

from kubelint.engine import Report
from kubelint.findings import Finding
from kubelint.fingerprint import relative_path
from kubelint.report import ReportSettings
from kubelint.report.escape import escape_control

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text that XML 1.0 can hold, on one line: control characters (newlines too: a file name's newline printed
    in a CI log could start a workflow command) become visible escapes, the rest is dropped."""
    return _NOT_XML.sub("\ufffd", escape_control(text))


def render(report: Report, settings: ReportSettings) -> str:
    """The JUnit document."""
    shown = [finding for finding in report.findings if settings.show_suppressed or not finding.suppressed]
    by_rule: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in shown:
        subject = str(finding.ref) if finding.ref is not None else relative_path(finding.file, settings.source_root)
        by_rule[finding.rule][subject].append(finding)
    rule_ids = sorted(set(report.rules) | set(by_rule))
    root = ElementTree.Element("testsuites", name="kubelint")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for rule_id in rule_ids:
        cases = by_rule.get(rule_id, {})
        suite = ElementTree.SubElement(root, "testsuite", name=rule_id)
        counts = {"tests": max(len(cases), 1), "failures": 0, "skipped": 0}
        if not cases:
            ElementTree.SubElement(suite, "testcase", classname=rule_id,
                                   name=f"{rule_id}: no findings in {report.objects} objects")
        for subject, findings in cases.items():
            active = [finding for finding in findings if not finding.suppressed]
            failing = [finding for finding in active
                       if settings.fail_on is not None and finding.severity >= settings.fail_on]
            first = (failing or active or findings)[0]
            case = ElementTree.SubElement(suite, "testcase", classname=rule_id, name=xml_text(subject),
                                          file=xml_text(relative_path(first.file, settings.source_root)),
                                          line=str(first.line))
            if failing:  # a failure lists every finding, suppressed ones marked as such
                outcome = ElementTree.SubElement(case, "failure", type=str(first.severity),
                                                 message=xml_text(first.message))
                counts["failures"] += 1
            elif active:  # below the fail threshold: the test passes, its findings are in the output
                outcome = ElementTree.SubElement(case, "system-out")
            else:  # only suppressed findings (--include-suppressed): skipped, not failed
                outcome = ElementTree.SubElement(case, "skipped", message=xml_text(f"suppressed: {first.message}"))
                counts["skipped"] += 1
            outcome.text = "\n".join(xml_text(_describe(finding, settings.source_root)) for finding in findings)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _describe(finding: Finding, source_root: str) -> str:
    text = (f"{relative_path(finding.file, source_root)}:{finding.line}:{finding.column}: "
            f"{finding.severity} [{finding.rule}] {finding.message}")
    if finding.suppressed:
        text += f" (suppressed{': ' + finding.suppression if finding.suppression else ''}"
        text += f" -- {finding.justification})" if finding.justification else ")"
    return text
