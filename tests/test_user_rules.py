"""User rules cannot silently misfire: unknown params, missing fields, unknown checks and built-in ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelint.catalog import CatalogError, load_catalog, rule_problems

RULE = """\
id: team-label
summary: Deployments carry a team label
severity: info
check: object-schema
params:
  kinds: [Deployment]
  message: '{kind} {name} has no team label'
  schema:
    properties:
      metadata: {required: [labels]}
"""


def load(tmp_path: Path, text: str, name: str = "rule.yaml") -> dict[str, object]:
    (tmp_path / name).write_text(text)
    return dict(load_catalog([str(tmp_path)]))


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(CatalogError) as raised:
        load(tmp_path, text)
    return str(raised.value)


def test_a_terse_user_rule_needs_no_description_or_remediation(tmp_path: Path) -> None:
    rule = load(tmp_path, RULE)["team-label"]
    assert rule.description == "" and rule.user  # type: ignore[attr-defined]


def test_builtin_rules_must_document_themselves() -> None:
    data = {"id": "x", "summary": "s", "severity": "info", "check": "duplicate-object"}
    assert rule_problems(data, builtin=False) == []
    assert rule_problems(data, builtin=True) == [((), "missing required fields: description, remediation")]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  kinds: [Deployment]", "  kind: [Deployment]",
     "rule.yaml:6:3: params.kind: unknown key (did you mean 'kinds'?); check 'object-schema' takes:"),
    ("  message:", "  messsage:", "rule.yaml:7:13: params.messsage: unknown key (did you mean 'message'?)"),
    ("  kinds: [Deployment]", "  kinds: Deployment", "rule.yaml:6:10: params.kinds: must be array, not string"),
    ("check: object-schema", "check: object-schemas", "unknown check 'object-schemas' (did you mean 'object-schema'?)"),
])
def test_params_and_check_names_are_checked_at_their_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert expected in error(tmp_path, RULE.replace(old, new))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = "check: object-schema\nparams:\n  kind: [Pod]\n  schema: {}\n  mesage: x\n"
    lines = error(tmp_path, text).splitlines()
    assert lines[0].endswith("rule.yaml:1:1: missing required fields: id, summary, severity")
    assert any("params.kind: unknown key" in line for line in lines)
    assert any("params.mesage: unknown key (did you mean 'message'?)" in line for line in lines)


def test_a_check_without_params_takes_none(tmp_path: Path) -> None:
    text = "id: dup\nsummary: s\nseverity: info\ncheck: duplicate-object\nparams: {kinds: [Pod]}\n"
    assert "params.kinds: unknown key: check 'duplicate-object' takes no params" in error(tmp_path, text)


def test_a_builtin_id_needs_replaces(tmp_path: Path) -> None:
    text = RULE.replace("id: team-label", "id: host-pid")
    assert "id: 'host-pid' is a built-in rule; say `replaces: host-pid` to replace it" in error(tmp_path, text)
    catalog = load(tmp_path, text + "replaces: host-pid\n")
    assert catalog["host-pid"].summary == "Deployments carry a team label"  # type: ignore[attr-defined]


def test_replaces_names_a_builtin(tmp_path: Path) -> None:
    catalog = load(tmp_path, RULE + "replaces: host-pid\n")
    assert "host-pid" not in catalog and "team-label" in catalog
    assert "replaces: 'host-pi' is not a built-in rule (did you mean 'host-pid'?)" in error(
        tmp_path, RULE + "replaces: host-pi\n")


def test_two_user_rules_with_one_id_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "r.yaml").write_text(RULE)
    (tmp_path / "b" / "r.yaml").write_text(RULE)
    with pytest.raises(CatalogError, match="rule id 'team-label' is also defined in"):
        load_catalog([str(tmp_path / "a"), str(tmp_path / "b")])
