"""Read fixture folders: which lines must carry a finding of the folder's rule.

A line that must carry a finding ends with ``# expect: RULE-ID`` (several ids separated by commas).
Files that cannot hold a comment (binary, unreadable) are listed in the folder's hidden
``.fixture.yaml`` under ``expect: [{file, line}]``; its ``options`` set :class:`Options` fields.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubelint.engine import lint_tree
from kubelint.loader import load_tree
from kubelint.model.units import UnitSpec
from kubelint.options import Options
from kubelint.sources.discover import discover
from kubelint.sources.yaml import parse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_EXPECT = re.compile(rb"#\s*expect:\s*([a-z0-9 ,-]+?)\s*$")


@dataclass
class Fixture:
    rule: str
    folder: Path
    options: dict[str, Any] = field(default_factory=dict)
    extra: list[dict[str, Any]] = field(default_factory=list)

    def expected(self) -> Counter[tuple[str, int]]:
        found: Counter[tuple[str, int]] = Counter()
        for candidate in discover([str(self.folder)]):
            try:
                data = Path(candidate.path).read_bytes()
            except OSError:
                continue
            for number, line in enumerate(data.split(b"\n"), start=1):
                match = _EXPECT.search(line)
                if match:
                    ids = {part.strip() for part in match.group(1).decode().split(",")}
                    if self.rule in ids:
                        found[(candidate.display, number)] += 1
        for entry in self.extra:
            found[(str(self.folder / entry["file"]), int(entry["line"]))] += 1
        return found

    def actual(self) -> Counter[tuple[str, int]]:
        options = Options(enable=[self.rule], **self.options)
        report = lint_tree(load_tree([str(self.folder)], options))
        return Counter((f.file, f.line) for f in report.findings if f.rule == self.rule)


def fixture_folders() -> list[Fixture]:
    fixtures = []
    for folder in sorted(FIXTURES.iterdir()):
        if not folder.is_dir():
            continue
        settings: dict[str, Any] = {}
        meta = folder / ".fixture.yaml"
        if meta.exists():
            documents, problems = parse(meta.read_text())
            assert not problems, problems
            settings = documents[0].data
        options = dict(settings.get("options", {}))
        if "units" in options:  # as in .kubelint.yaml: globs relative to the fixture folder
            options["units"] = [
                UnitSpec((entry,), None, str(folder)) if isinstance(entry, str)
                else UnitSpec(tuple(entry["paths"]), entry["name"], str(folder)) for entry in options["units"]]
        fixtures.append(Fixture(folder.name, folder, options, settings.get("expect", [])))
    return fixtures


def relative(counter: Counter[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted((os.path.relpath(file, ROOT), line) for file, line in counter.elements())
