"""The rule catalogue: built-in rules are valid, user rules are validated with located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from kubelint.catalog import CatalogError, builtin_rules_dir, load_catalog, load_rule, rule_schema
from kubelint.checks import registry
from kubelint.cli import cli


@pytest.mark.parametrize("path", sorted(builtin_rules_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_builtin_rule_is_valid_and_named_after_its_file(path: Path) -> None:
    rule = load_rule(str(path), validate=True)
    assert rule.id == path.stem
    assert rule.check in registry()


def test_meta_schema_is_a_valid_schema() -> None:
    Draft202012Validator.check_schema(rule_schema())


def test_builtin_catalogue_loads_with_validation() -> None:
    assert "yaml-syntax" in load_catalog(validate_builtin=True)


USER_RULE = """\
id: no-configmaps
summary: ConfigMaps are not allowed here
severity: info
check: duplicate-object
description: Just a test rule.
remediation: Remove it.
"""


def test_user_rule_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "no-configmaps.yaml").write_text(USER_RULE)
    assert load_catalog([str(tmp_path)])["no-configmaps"].summary == "ConfigMaps are not allowed here"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (USER_RULE.replace("severity: info", "severity: fatal"), ":3:11: severity: 'fatal' is not one of"),
        (USER_RULE + "colour: red\n", ":7:9: colour: unknown field; known: check, description"),
        (USER_RULE.replace("check: duplicate-object", "check: nope"), "unknown check 'nope'"),
        ("id: [\n", ":2:1: "),
    ],
)
def test_broken_user_rule_is_a_usage_error_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError, match=None) as raised:
        load_catalog([str(tmp_path)])
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)
    result = CliRunner().invoke(cli, ["lint", str(path), "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr
