"""The findings cache: JSON entries that round-trip every field, validated on load, signed like the parse cache."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kubelint.findings import Finding, Location, Severity
from kubelint.findings_cache import FindingsCache, StateFindings, decode, encode
from kubelint.model.resource import ObjectRef
from kubelint.records import realize


def full_finding() -> Finding:
    where = Location("k8s/a.yaml", 3, 5, ObjectRef("apps", "Deployment", "shop", "web"), "apps/v1",
                     ("spec", "template", "spec", "containers", 0, "image"), "the image", "overlays/prod")
    other = Location("k8s/b.yaml", 7, 1, ObjectRef("", "Namespace", None, "shop"))
    return Finding("latest-image-tag", Severity.WARNING, "image uses :latest", where, (other,), True,
                   "inline comment", "pinned by the registry", "an operator may create the pods", {"hint": "x"})


def test_every_field_of_a_finding_round_trips() -> None:
    # A new field on Finding or Location must be added to the cache's encoding (and here).
    realize(Finding), realize(Location)  # record classes are dataclasses from their first instance on
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "rule", "severity", "message", "location", "related", "suppressed", "suppression", "justification", "held",
        "extra"]
    assert [f.name for f in dataclasses.fields(Location)] == [
        "file", "line", "column", "ref", "api_version", "path", "message", "via"]
    state = StateFindings([full_finding(), Finding("yaml-syntax", Severity.ERROR, "bad", Location("x.yaml"))],
                          frozenset({"latest-image-tag"}), 3, 12)
    back = decode(encode(state))
    assert back is not None
    assert back.findings == state.findings and back.findings[0].extra == {"hint": "x"}
    assert (back.single_object_rules, back.files, back.objects) == (state.single_object_rules, 3, 12)


@pytest.mark.parametrize("payload", [
    b"", b"not json", b"[]", b'{"kubelint-findings": 2}', b'{"kubelint-findings": 1, "findings": {}}',
    b'{"kubelint-findings": 1, "files": 1, "objects": 1, "single-object-rules": [], "findings": [{"rule": "r", '
    b'"severity": 9, "message": "m", "location": {}}]}',
    b'{"kubelint-findings": 1, "files": 1, "objects": 1, "single-object-rules": [], "findings": [{"rule": "r", '
    b'"severity": 1, "message": "m", "location": {"file": "f", "line": true, "column": 1, "ref": null, '
    b'"apiVersion": null, "path": [], "message": "", "via": ""}}]}',
    b"[" * 100000,
])
def test_anything_malformed_is_a_miss(payload: bytes) -> None:
    assert decode(payload) is None


def test_a_changed_or_moved_entry_is_a_miss(tmp_path: Path) -> None:
    cache = FindingsCache(tmp_path / "cache")
    state = StateFindings([full_finding()], frozenset(), 1, 1)
    cache.put("ab" * 32, state)
    assert cache.get("ab" * 32) == state
    entry = next(path for path in (tmp_path / "cache" / "findings").rglob("*") if path.is_file())
    entry.write_bytes(entry.read_bytes().replace(b"latest-image-tag", b"another-rule-id!"))
    assert cache.get("ab" * 32) is None  # the signature no longer matches: forged entries hide nothing
    cache.put("ab" * 32, StateFindings([], frozenset(), 0, 0))
    moved = entry.parent.parent / "cd" / ("cd" * 31)
    moved.parent.mkdir()
    entry.rename(moved)
    assert cache.get("cd" * 32) is None  # an entry under another name is not valid there
