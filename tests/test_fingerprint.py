"""Fingerprints: rule, object, path and normalized message; never line numbers."""

from __future__ import annotations

from dataclasses import replace

from kubelint.findings import Finding, Location, Severity
from kubelint.fingerprint import fingerprint, normalize_message, occurrences, relative_path
from kubelint.model.resource import ObjectRef

REF = ObjectRef("apps", "Deployment", "shop", "web")
FINDING = Finding("some-rule", Severity.ERROR, "port 8080 is not declared (see ./a.yaml:12)",
                  Location("k8s/a.yaml", 12, 5, REF, "apps/v1", ("spec", "replicas")))


def test_positions_and_files_do_not_matter_for_objects() -> None:
    moved = replace(FINDING, location=replace(FINDING.location, file="other/b.yaml", line=40, column=9))
    assert fingerprint(moved) == fingerprint(FINDING)


def test_reformatted_message_matches() -> None:
    reformatted = replace(FINDING, message="port  8080 is not\ndeclared (see a.yaml:14)")
    assert fingerprint(reformatted) == fingerprint(FINDING)


def test_rule_object_path_and_message_each_matter() -> None:
    other_object = replace(FINDING, location=replace(FINDING.location, ref=REF._replace(name="api")))
    other_namespace = replace(FINDING, location=replace(FINDING.location, ref=REF._replace(namespace="dev")))
    other_path = replace(FINDING, location=replace(FINDING.location, path=("spec", "template")))
    variants = [replace(FINDING, rule="other-rule"), other_object, other_namespace, other_path,
                replace(FINDING, message="something else")]
    keys = {fingerprint(finding) for finding in [FINDING, *variants]}
    assert len(keys) == len(variants) + 1


def test_file_findings_use_the_file_relative_to_the_root(tmp_path: object) -> None:
    about_file = Finding("yaml-syntax", Severity.ERROR, "bad at byte 12", Location("k8s/a.yaml", 3, 1))
    same_file = replace(about_file, location=Location("./k8s/a.yaml", 9, 2), message="bad at byte 40")
    other_file = replace(about_file, location=Location("k8s/b.yaml", 3, 1))
    assert fingerprint(about_file) == fingerprint(same_file) != fingerprint(other_file)
    assert relative_path("k8s/a.yaml", "k8s") == "a.yaml"


def test_occurrences_number_equal_fingerprints() -> None:
    twice = [FINDING, replace(FINDING, location=replace(FINDING.location, line=30)), replace(FINDING, rule="x")]
    assert [number for _, _, number in occurrences(twice)] == [1, 2, 1]


def test_normalize_message() -> None:
    assert normalize_message(' duplicate key "a" (first at line 6)\n') == 'duplicate key "a" (first at line #)'
    assert normalize_message("defined at ./k8s/a.yaml:3") == normalize_message("defined at k8s/a.yaml:7")
    assert normalize_message("defined at base/svc.YML:3") == "defined at <file>:#"
    assert normalize_message("port 80 of Service web") == "port # of Service web"
