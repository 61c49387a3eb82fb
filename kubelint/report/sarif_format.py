"""SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps), built with the ``sarif-om`` object model.

Two pitfalls of ``sarif-om`` are handled by :func:`to_json`, our serializer: the usual ``attrs``-based
serializers drop every value equal to its default, which silently removes ``level: "warning"`` (a result
without ``level`` means *warning* only if the rule's default says so), and ``Suppression`` spells the
schema's ``status`` as ``state``. We drop only ``None`` and the numeric "not set" sentinels (``-1``),
keep every value we set, and rename the suppression property.

``partialFingerprints`` carries our fingerprint (see :mod:`kubelint.fingerprint`) under a key of our own.
``primaryLocationLineHash`` is left to GitHub's ``upload-sarif``, which computes it from the source line and
warns about every result whose supplied value differs from its own (``codeql-action`` ``fingerprints.ts``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kubelint import __version__
from kubelint.catalog import Rule
from kubelint.engine import Report
from kubelint.findings import MAX_NAME, Finding, Location, Severity, dotted, excerpt
from kubelint.fingerprint import VERSION as FINGERPRINT_VERSION
from kubelint.fingerprint import occurrences, relative_path
from kubelint.report import REPOSITORY_URL, ReportSettings, end_column, rule_help_uri
from kubelint.report.escape import escape_control, json_text

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = f"kubelintFingerprint/{FINGERPRINT_VERSION}"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "2.0"}
"""GitHub ranks security alerts by this score: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low."""

EXTERNAL_SUPPRESSIONS = ("baseline", "config")
"""Suppressions whose reason starts with one of these live outside the manifest (SARIF kind ``external``)."""


def render(report: Report, settings: ReportSettings) -> str:
    """The whole SARIF log as indented JSON."""
    log = to_json(build_log(report, settings))
    ordered = {"$schema": log.pop("$schema"), "version": log.pop("version"), **log}
    return json_text(ordered) + "\n"


def build_log(report: Report, settings: ReportSettings) -> Any:
    """The ``sarif_om.SarifLog`` of one run."""
    import sarif_om as om

    rules = sorted(report.rules.values(), key=lambda rule: rule.id)
    for finding in report.findings:  # a finding of a rule that did not run would have no metadata
        if all(rule.id != finding.rule for rule in rules):
            rules.append(Rule(finding.rule, finding.rule, finding.severity, "", "", ""))
    index = {rule.id: position for position, rule in enumerate(rules)}
    shown = [finding for finding in report.findings if settings.show_suppressed or not finding.suppressed]
    if settings.show_suppressed and report.baselined:  # known findings, suppressed by the baseline file
        shown.extend(replace(finding, suppressed=True, suppression="baseline") for finding in report.baselined)
    existing = {id(finding) for finding in report.existing}
    shown.extend(report.existing)  # code scanning does its own diffing: it gets every finding, new or not
    shown.sort(key=Finding.sort_key)
    for finding in report.existing:
        if all(rule.id != finding.rule for rule in rules):
            index[finding.rule] = len(rules)
            rules.append(Rule(finding.rule, finding.rule, finding.severity, "", "", ""))
    results = [
        _result(finding, key, number, index[finding.rule], report, settings)
        for finding, key, number in occurrences(shown, settings.source_root)
    ]
    if report.new_since is not None:  # SARIF's own words for what is new since the earlier state
        for result, (finding, _, _) in zip(results, occurrences(shown, settings.source_root), strict=True):
            result.baseline_state = "unchanged" if id(finding) in existing else "new"
    driver = om.ToolComponent(
        name="kubelint",
        version=__version__,
        semantic_version=__version__,
        information_uri=REPOSITORY_URL,
        rules=[_descriptor(rule) for rule in rules],
    )
    root = Path(os.path.abspath(settings.source_root)).as_uri().rstrip("/") + "/"
    run = om.Run(
        tool=om.Tool(driver=driver),
        results=results,
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=root)},
        column_kind="unicodeCodePoints",
        invocations=[om.Invocation(execution_successful=True)],
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def _descriptor(rule: Rule) -> Any:
    import sarif_om as om

    help_uri = rule_help_uri(rule)
    markdown = rule.description.strip()
    if rule.remediation.strip():
        markdown += f"\n\n**How to fix:** {rule.remediation.strip()}"
    if help_uri:
        markdown += f"\n\n[Rule reference]({help_uri})"
    text = rule.description.strip()
    if rule.remediation.strip():
        text += f"\n\nHow to fix: {rule.remediation.strip()}"
    properties: dict[str, Any] = {"tags": list(rule.tags), "precision": "high"}
    if "security" in rule.tags:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule_name(rule.id),
        short_description=om.MultiformatMessageString(text=rule.summary or rule.id),
        full_description=om.MultiformatMessageString(text=rule.description.strip() or rule.summary or rule.id),
        help=om.MultiformatMessageString(text=text or rule.summary or rule.id, markdown=markdown or None),
        help_uri=help_uri,
        default_configuration=om.ReportingConfiguration(level=LEVELS[rule.severity]),
        properties=properties,
    )


def rule_name(rule_id: str) -> str:
    """SARIF's readable rule name: ``orphan-service-selector`` -> ``OrphanServiceSelector``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _result(finding: Finding, key: str, number: int, rule_index: int, report: Report,
            settings: ReportSettings) -> Any:
    import sarif_om as om

    location = finding.location
    properties: dict[str, Any] = {}
    if location.path:
        properties["path"] = dotted(location.path)
    if location.api_version:
        properties["apiVersion"] = location.api_version
    result = om.Result(
        message=om.Message(text=finding.message),
        rule_id=finding.rule,
        rule_index=rule_index,
        level=LEVELS[finding.severity],
        kind="fail",
        locations=[_location(location, report, settings)],
        partial_fingerprints={FINGERPRINT_KEY: f"{key}:{number}"},
        properties=properties or None,
    )
    if finding.related:
        result.related_locations = [
            _location(related, report, settings, identifier=position)
            for position, related in enumerate(finding.related, start=1)
        ]
    if finding.suppressed:
        reason = finding.suppression or ""
        kind = "external" if reason.lower().startswith(EXTERNAL_SUPPRESSIONS) else "inSource"
        justification = finding.justification or reason or None
        result.suppressions = [om.Suppression(kind=kind, state="accepted", justification=justification)]
    return result


def _location(location: Location, report: Report, settings: ReportSettings, identifier: int | None = None) -> Any:
    import sarif_om as om

    start_column = max(location.column, 1)
    region = om.Region(
        start_line=max(location.line, 1),
        start_column=start_column,
        end_line=max(location.line, 1),
        end_column=end_column(report, location),
    )
    uri, base = artifact_uri(location.file, settings.source_root)
    physical = om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base), region=region)
    logical = None
    if location.ref is not None:
        ref = location.ref
        logical = [om.LogicalLocation(name=excerpt(ref.name, MAX_NAME), fully_qualified_name=str(ref), kind="resource")]
    return om.Location(
        id=identifier if identifier is not None else -1,
        physical_location=physical,
        logical_locations=logical,
        message=om.Message(text=location.message) if location.message else None,
    )


def artifact_uri(file: str, source_root: str) -> tuple[str, str | None]:
    """A file's URI: relative to ``%SRCROOT%`` with forward slashes, or absolute when outside the root."""
    if file == "-":
        return "stdin", None
    relative = relative_path(file, source_root)
    if relative.startswith("/") or re.match(r"^[A-Za-z]:/", relative):
        return Path(relative).as_uri(), None
    return quote(relative, safe="/", errors="surrogateescape"), SRCROOT  # a name's undecodable bytes as %FF


def to_json(value: Any) -> Any:
    """Serialize ``sarif-om`` objects to plain JSON values (see the module docstring for why not ``attrs``)."""
    import attr
    import sarif_om as om

    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for spec in attr.fields(type(value)):
            item = getattr(value, spec.name)
            if item is None or _unset(spec.default, item):
                continue
            name = spec.metadata.get("schema_property_name", spec.name)
            if isinstance(value, om.Suppression) and name == "state":
                name = "status"  # sarif-om's Suppression names the schema's "status" wrongly
            out[name] = to_json(item)
        return out
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, str):  # messages and names from manifests: no terminal escapes or bidi overrides
        return escape_control(value, keep_newlines=True)
    return value


def _unset(default: Any, value: Any) -> bool:
    """Whether ``value`` is a "not given" sentinel: ``-1`` indexes and ranks, or an untouched factory list."""
    import attr

    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        return bool(value == default.factory())
    return isinstance(default, (int, float)) and not isinstance(default, bool) and default == -1 and value == -1
