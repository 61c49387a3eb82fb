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
    commands = outputs["github"].splitlines()[:-1]  # then the summary, a plain log line
    assert len(commands) == len(report.findings) and all(line.startswith("::") for line in commands)
    assert not outputs["github"].splitlines()[-1].startswith("::")
    for name in ("text", "github"):
        found = RAW_CONTROL.search(outputs[name])
        assert found is None, f"raw {found.group()!r} in {name} output"
    return outputs
