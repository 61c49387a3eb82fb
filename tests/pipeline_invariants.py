"""What must hold for any input, checked by the property tests (``tests/test_fuzz.py``) and the
coverage-guided fuzzer (``fuzz/lint_target.py``): lint a folder, render every format, and check that each
output parses and that terminal output carries no raw control character."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

from kubelint.catalog import Rule, load_catalog
from kubelint.engine import Report, lint_tree
from kubelint.loader import load_tree
from kubelint.options import Options
from kubelint.report import FORMATS, ReportSettings, render

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What a terminal must never receive from a manifest (newlines end lines; colour is off here)."""

WORKFLOW_COMMAND = re.compile(r"::(error|warning|notice)( [^:\n]*)?::")
"""The only workflow commands kubelint writes; input can add none (its newlines and ``::`` are escaped)."""

_FORMAT = "[\u00ad\u200b-\u200f\u2060-\u206f\ufeff\ufe00-\ufe0f]*"
LEGACY_COMMAND = re.compile(f"#{_FORMAT}#{_FORMAT}\\[")
"""``##[command]``, which GitHub's runner reads anywhere in a line (format characters between may be skipped)."""

_CATALOG: dict[str, Rule] = {}


def catalog() -> dict[str, Rule]:
    """Every rule, enabled or not, loaded once per process."""
    if not _CATALOG:
        _CATALOG.update(load_catalog())
    return _CATALOG


def lint_folder(folder: Path) -> Report:
    """Lint a folder the way ``kubelint lint --enable all --no-render --no-cache`` does (in-process)."""
    options = Options(cache=False, render=False, enable=["all"])
    return lint_tree(load_tree([str(folder)], options), catalog())


def check_outputs(report: Report) -> dict[str, str]:
    """Render every format and check it: JSON and SARIF parse, JUnit is XML, GitHub lines are workflow
    commands, text has no raw control characters. Returns the outputs by format."""
    outputs = {name: render(report, name, ReportSettings(verbose=1, show_suppressed=True)) for name in FORMATS}
    document: Any = json.loads(outputs["json"])
    assert document["summary"]["findings"] == len(document["findings"])
    sarif = json.loads(outputs["sarif"])
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(report.findings)
    ElementTree.fromstring(outputs["junit"].encode("utf-8"))
    lines = outputs["github"].splitlines()  # one line per finding (a command, or a plain line past GitHub's
    commands = [line for line in lines if line.startswith("::")]  # limit), the summary, perhaps a note
    assert len(report.findings) + 1 <= len(lines) <= len(report.findings) + 2
    assert len(commands) <= len(report.findings) and all(WORKFLOW_COMMAND.match(line) for line in commands)
    for name in ("text", "github"):
        found = RAW_CONTROL.search(outputs[name])
        assert found is None, f"raw {found.group()!r} in {name} output"
        assert not LEGACY_COMMAND.search(outputs[name]), f"a legacy workflow command (##[) in {name} output"
    return outputs
