"""Every fixture folder: the folder's rule fires exactly on the lines marked ``# expect: RULE``."""

from __future__ import annotations

import pytest

from fixture_harness import Fixture, fixture_folders, relative
from kubelint.catalog import load_catalog

FIXTURES = fixture_folders()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[fixture.rule for fixture in FIXTURES])
def test_rule_fires_exactly_on_marked_lines(fixture: Fixture) -> None:
    expected = fixture.expected()
    assert expected, f"fixtures/{fixture.rule} marks no line: a fixture must show the rule firing"
    assert relative(fixture.actual()) == relative(expected)


def test_every_rule_has_a_fixture_folder() -> None:
    folders = {fixture.rule for fixture in FIXTURES}
    missing = sorted(set(load_catalog()) - folders)
    assert not missing, f"rules without fixtures: {missing}"


def test_every_fixture_folder_names_a_rule() -> None:
    unknown = sorted({fixture.rule for fixture in FIXTURES} - set(load_catalog()))
    assert not unknown


def test_builtin_rules_pass_the_meta_schema_and_their_params_validate() -> None:
    catalog = load_catalog(validate_builtin=True)
    assert "run-as-root" in catalog and catalog["docker-socket-mount"].severity.name == "WARNING"
