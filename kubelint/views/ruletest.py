"""``kubelint test RULES_DIR``: run each rule's fixtures the way the built-in catalogue is tested.

A fixture folder ``fixtures/<rule-id>/`` (inside RULES_DIR, or beside it) holds manifests; a line that must
carry a finding of that rule ends with ``# expect: <rule-id>`` (several ids separated by commas), and every
other line must not carry one. The folder is linted as one tree with the rule enabled; each file is a unit
of its own that sees the others, as in any run. A hidden ``.fixture.yaml`` may set ``options`` (fields of the
run's options, such as ``namespace``, ``render`` or ``units``, globs relative to the folder) and list
``expect: [{file, line}]`` for files that cannot hold a comment.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from kubelint.records import record

EXPECT = re.compile(rb"#\s*expect:\s*([a-z0-9,-]+(?: +[a-z0-9,-]+)*)\s*$")
"""Ids, commas and single spaces, then trailing whitespace: no two repeats can take the same characters, so
a long line costs linear time (``[a-z0-9 ,-]+?\\s*$`` was quadratic in a run of spaces)."""
FIXTURE_SETTINGS = ".fixture.yaml"


@record
class Fixture:
    """The fixture folder of one rule, with the options and extra expectations of its ``.fixture.yaml``."""

    rule: str
    folder: Path
    options: dict[str, Any] = field(default_factory=dict)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def expected(self) -> Counter[tuple[str, int]]:
        """(file, line) -> how many findings of the rule must be there."""
        from kubelint.sources.discover import discover
        from kubelint.sources.files import read_regular
        from kubelint.sources.read import DEFAULT_MAX_FILE_SIZE

        found: Counter[tuple[str, int]] = Counter()
        for candidate in discover([str(self.folder)]):
            try:
                data = read_regular(candidate.path, DEFAULT_MAX_FILE_SIZE)
            except OSError:  # not a regular file, too large, unreadable: the lint reports it
                continue
            for number, line in enumerate(data.split(b"\n"), start=1):
                match = EXPECT.search(line)
                if match:
                    ids = {part.strip() for part in match.group(1).decode().split(",")}
                    if self.rule in ids:
                        found[(candidate.display, number)] += 1
        for entry in self.extra:
            found[(str(self.folder / entry["file"]), int(entry["line"]))] += 1
        return found

    def actual(self, rule_dirs: Iterable[str] = ()) -> Counter[tuple[str, int]]:
        """(file, line) -> how many findings of the rule a run over the folder gives."""
        from kubelint.engine import lint_tree
        from kubelint.loader import load_tree
        from kubelint.options import Options

        options = Options(enable=[self.rule], rule_dirs=list(rule_dirs), gitignore=False, **self.options)
        report = lint_tree(load_tree([str(self.folder)], options))
        return Counter((f.file, f.line) for f in report.findings if f.rule == self.rule)


class FixtureError(Exception):
    """A ``.fixture.yaml`` that cannot be read (a usage error naming the file)."""


def fixture_folders(root: Path) -> list[Fixture]:
    """Every rule folder under ``root`` (``fixtures/``), sorted by rule id."""
    from kubelint.sources.yaml import parse

    fixtures = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        settings: dict[str, Any] = {}
        meta = folder / FIXTURE_SETTINGS
        if meta.exists():
            documents, problems = parse(meta.read_text(encoding="utf-8"))
            if problems or not documents or not isinstance(documents[0].data, dict):
                raise FixtureError(f"{meta}: not a mapping of options and expect")
            settings = documents[0].data
        options = dict(settings.get("options", {}))
        if isinstance(options.get("units"), list):  # as in .kubelint.yaml, relative to the fixture folder
            options["units"] = [_unit_spec(entry, folder) for entry in options["units"]]
        if isinstance(options.get("external"), list):  # as in .kubelint.yaml
            from kubelint.model.external import parse_external

            options["external"] = [parse_external(entry) for entry in options["external"]]
        fixtures.append(Fixture(folder.name, folder, options, list(settings.get("expect", []))))
    return fixtures


def _unit_spec(entry: Any, folder: Path) -> Any:
    from kubelint.model.units import UnitSpec

    if isinstance(entry, dict) and "paths" in entry:
        paths = entry["paths"]
        return UnitSpec(tuple([paths] if isinstance(paths, str) else paths), entry.get("name"), str(folder))
    return UnitSpec((str(entry),), None, str(folder))


def default_fixtures_dir(rules_dir: str) -> Path:
    """``RULES_DIR/fixtures`` when it exists, else ``fixtures`` beside RULES_DIR (the built-in layout)."""
    inside = Path(rules_dir) / "fixtures"
    return inside if inside.is_dir() else Path(rules_dir).resolve().parent / "fixtures"


@record
class Outcome:
    """The result of one rule's fixtures: lines that lacked a finding, and lines that had one unexpectedly."""

    rule: str
    missing: list[tuple[str, int]] = field(default_factory=list)
    unexpected: list[tuple[str, int]] = field(default_factory=list)
    problem: str = ""

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.problem)


def run_rule_tests(rules_dir: str, fixtures_dir: Path | None = None) -> list[Outcome]:
    """Test every rule of ``rules_dir`` against its fixture folder; a rule without one fails (untested)."""
    from kubelint.catalog import is_builtin_dir, load_catalog

    catalog = load_catalog([rules_dir])
    folder = fixtures_dir or default_fixtures_dir(rules_dir)
    fixtures = {fixture.rule: fixture for fixture in fixture_folders(folder)}
    rule_ids = sorted(rule.id for rule in catalog.values()
                      if rule.user or is_builtin_dir(rules_dir))
    outcomes = []
    for rule_id in rule_ids:
        fixture = fixtures.get(rule_id)
        if fixture is None:
            outcomes.append(Outcome(rule_id, problem=f"no fixtures (expected a folder {folder / rule_id})"))
            continue
        expected, actual = fixture.expected(), fixture.actual([rules_dir])
        if not expected:
            outcomes.append(Outcome(rule_id, problem=f"{fixture.folder} marks no line with # expect: {rule_id}"))
            continue
        outcomes.append(Outcome(rule_id, sorted((expected - actual).elements()),
                                sorted((actual - expected).elements())))
    for rule_id in sorted(set(fixtures) - set(catalog)):
        outcomes.append(Outcome(rule_id, problem=f"{fixtures[rule_id].folder} names no rule of {rules_dir}"))
    return outcomes


def describe(outcomes: list[Outcome]) -> str:
    """The runner's report: one line per rule, the lines that differ, and a summary."""
    lines = []
    for outcome in outcomes:
        lines.append(f"{'ok  ' if outcome.passed else 'FAIL'} {outcome.rule}")
        if outcome.problem:
            lines.append(f"     {outcome.problem}")
        lines += [f"     {os.path.relpath(file)}:{line}: expected a finding, got none"
                  for file, line in outcome.missing]
        lines += [f"     {os.path.relpath(file)}:{line}: unexpected finding" for file, line in outcome.unexpected]
    failed = sum(not outcome.passed for outcome in outcomes)
    lines.append(f"{len(outcomes) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"
