"""SARIF output: valid against the official 2.1.0 schema for every fixture, and the same findings as JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from fixture_harness import ROOT, Fixture, fixture_folders
from kubelint.engine import Report, lint_tree
from kubelint.findings import Finding, Severity
from kubelint.fingerprint import relative_path
from kubelint.loader import load_tree
from kubelint.options import Options
from kubelint.report import ReportSettings, render
from kubelint.report.sarif_format import FINGERPRINT_KEY, SRCROOT, rule_name, to_json

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = Draft4Validator(SCHEMA)
FIXTURES = fixture_folders()


def fixture_report(fixture: Fixture) -> Report:
    options = Options(enable=[fixture.rule], **fixture.options)
    return lint_tree(load_tree([str(fixture.folder)], options))


def sarif(report: Report, **settings: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(report, "sarif", ReportSettings(**settings)))
    return document


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda error: list(error.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def results(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = document["runs"][0]["results"]
    return found


@pytest.mark.parametrize("fixture", FIXTURES, ids=[fixture.rule for fixture in FIXTURES])
def test_sarif_of_every_fixture_is_valid_and_matches_json(fixture: Fixture) -> None:
    report = fixture_report(fixture)
    document = sarif(report, source_root=str(ROOT))
    assert_valid(document)
    from_json = json.loads(render(report, "json"))["findings"]
    assert from_json, "the fixture shows the rule firing, so both reports hold findings"
    expected = sorted((f["rule"], relative_path(f["file"], str(ROOT)), f["line"]) for f in from_json)
    actual = sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in results(document)
    )
    assert actual == expected


@pytest.mark.parametrize("fixture", FIXTURES, ids=[fixture.rule for fixture in FIXTURES])
def test_every_result_is_complete(fixture: Fixture) -> None:
    document = sarif(fixture_report(fixture), source_root=str(ROOT))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    for result in results(document):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        # a finding is at the rule's level, or one step lower when the check is unsure (Hit.weaker)
        rank = {"note": 1, "warning": 2, "error": 3}
        default = rules[result["ruleIndex"]]["defaultConfiguration"]["level"]
        assert rank[default] - 1 <= rank[result["level"]] <= rank[default]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == SRCROOT
        assert physical["artifactLocation"]["uri"].startswith(f"fixtures/{fixture.rule}/")
        region = physical["region"]
        assert region["startLine"] == region["endLine"] >= 1
        assert region["endColumn"] >= region["startColumn"] >= 1
        key, _, number = result["partialFingerprints"][FINGERPRINT_KEY].partition(":")
        assert len(key) == 32 and int(number) >= 1


def test_explicit_warning_level_survives_serialization() -> None:
    """sarif-om's default level is "warning": a default-dropping serializer would lose it."""
    report = fixture_report(next(f for f in FIXTURES if f.rule == "yaml-duplicate-key"))
    document = sarif(report)
    levels = [result["level"] for result in results(document) if result["ruleId"] == "yaml-duplicate-key"]
    assert levels and set(levels) == {"warning"}
    rule = next(r for r in document["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "yaml-duplicate-key")
    assert rule["defaultConfiguration"]["level"] == "warning"


def test_driver_and_rule_metadata() -> None:
    report = fixture_report(next(f for f in FIXTURES if f.rule == "duplicate-object"))
    document = sarif(report)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = document["runs"][0]["tool"]["driver"]
    from kubelint import __version__

    assert driver["name"] == "kubelint" and driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(report.rules)
    rule = driver["rules"][ids.index("duplicate-object")]
    catalog_rule = report.rules["duplicate-object"]
    assert rule["name"] == "DuplicateObject"
    assert rule["shortDescription"]["text"] == catalog_rule.summary
    assert rule["fullDescription"]["text"] == catalog_rule.description.strip()
    assert catalog_rule.remediation.strip() in rule["help"]["text"]
    assert catalog_rule.remediation.strip() in rule["help"]["markdown"]
    assert rule["helpUri"].endswith("/docs/rules/duplicate-object.md")
    assert rule["properties"]["tags"] == list(catalog_rule.tags)
    assert "security-severity" not in rule["properties"]


def test_security_rules_carry_security_severity_as_a_string() -> None:
    report = fixture_report(next(f for f in FIXTURES if f.rule == "duplicate-object"))
    security = replace(report.rules["duplicate-object"], tags=("security",), severity=Severity.ERROR, file="")
    report.rules = {**report.rules, "duplicate-object": security}
    document = sarif(report)
    assert_valid(document)
    rule = next(r for r in document["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "duplicate-object")
    assert rule["properties"]["security-severity"] == "8.0"
    assert "helpUri" not in rule  # a rule outside the built-in catalogue has no docs page in the repository


def test_related_and_logical_locations() -> None:
    report = fixture_report(next(f for f in FIXTURES if f.rule == "duplicate-object"))
    result = results(sarif(report, source_root=str(ROOT)))[0]
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "default/Service/web"
    related = result["relatedLocations"][0]
    assert related["message"]["text"] == "first definition"
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/duplicate-object/a.yaml"
    assert related["physicalLocation"]["region"]["startLine"] == 1


def test_region_end_column_covers_the_token() -> None:
    report = fixture_report(next(f for f in FIXTURES if f.rule == "duplicate-object"))
    first = report.findings[0]
    region = results(sarif(report))[0]["locations"][0]["physicalLocation"]["region"]
    line = report.sources[first.file].line_text(first.line)
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == "web"


def test_suppressed_findings_are_left_out_unless_included() -> None:
    report = fixture_report(next(f for f in FIXTURES if f.rule == "yaml-duplicate-key"))
    total = len(report.findings)
    report.findings = [replace(report.findings[0], suppressed=True, suppression="comment"),
                       replace(report.findings[1], suppressed=True, suppression="baseline"), *report.findings[2:]]
    assert len(results(sarif(report))) == total - 2
    document = sarif(report, show_suppressed=True)
    assert_valid(document)  # sarif-om's Suppression would write "state", which the schema rejects
    suppressions = [r.get("suppressions") for r in results(document)]
    assert suppressions[0] == [{"kind": "inSource", "status": "accepted", "justification": "comment"}]
    assert suppressions[1] == [{"kind": "external", "status": "accepted", "justification": "baseline"}]
    assert suppressions[2:] == [None] * (total - 2)


def test_uris_are_relative_to_the_source_root(tmp_path: Path) -> None:
    folder = tmp_path / "deploy dir" / "app"
    folder.mkdir(parents=True)
    (folder / "a b.yaml").write_text("a: 1\na: 2\n")
    report = lint_tree(load_tree([str(folder)], Options()))
    uri = results(sarif(report, source_root=str(tmp_path)))[0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"] == {"uri": "deploy%20dir/app/a%20b.yaml", "uriBaseId": SRCROOT}
    outside = results(sarif(report, source_root=str(ROOT)))[0]["locations"][0]["physicalLocation"]
    assert outside["artifactLocation"]["uri"].startswith("file:///")
    assert "uriBaseId" not in outside["artifactLocation"]


def test_partial_fingerprints_survive_inserted_lines(tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    text = (ROOT / "fixtures" / "yaml-duplicate-key" / "duplicates.yaml").read_text()
    manifest.write_text(text)

    def fingerprints() -> list[str]:
        report = lint_tree(load_tree([str(manifest)], Options()))
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in results(sarif(report, source_root=str(tmp_path)))]

    before = fingerprints()
    manifest.write_text("# a comment\n\n---\n" + text)
    after = fingerprints()
    assert before and before == after
    assert len(set(before)) == len(before)


def test_serializer_drops_only_sentinels() -> None:
    import sarif_om as om

    assert to_json(om.Result(message=om.Message(text="m"), level="warning", rule_index=0)) == {
        "message": {"text": "m"}, "kind": "fail", "level": "warning", "ruleIndex": 0}


def test_rule_names() -> None:
    assert rule_name("orphan-service-selector") == "OrphanServiceSelector"
    assert rule_name("yaml-syntax") == "YamlSyntax"


def test_a_rule_outside_the_report_still_gets_metadata() -> None:
    report = Report([], {}, {}, 0)
    finding = Finding("custom", Severity.INFO, "m", fixture_report(FIXTURES[0]).findings[0].location)
    report.findings = [finding]
    document = sarif(report)
    assert_valid(document)
    assert results(document)[0]["ruleIndex"] == 0 and results(document)[0]["level"] == "note"
