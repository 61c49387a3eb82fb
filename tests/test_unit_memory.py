"""After each unit's rules: its analyses are dropped (they refer to their tree), and a process that lints once
(``Options.freeze_heap``) collects the unit's garbage and freezes what survives; findings stay the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, json, sys
from kubelint.engine import lint_tree
from kubelint.loader import load_tree
from kubelint.options import Options

options = Options()
options.freeze_heap = sys.argv[2] == "freeze"
tree = load_tree([sys.argv[1]], options)
units = tree.units()
frozen = gc.get_freeze_count()
report = lint_tree(tree, units=list(units))
print(json.dumps({"units": len(units), "analyses": [len(unit.analyses) for unit in units],
                  "frozen_more": gc.get_freeze_count() > frozen,
                  "findings": [[f.rule, f.file, f.line, f.message] for f in report.findings]}))
"""


def _run(root: Path, mode: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, "-c", SCRIPT, str(root), mode], capture_output=True, text=True,
                            check=True).stdout
    result: dict[str, object] = json.loads(output)
    return result


def test_units_drop_their_analyses_and_a_lint_once_process_freezes_the_survivors(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text("resources: [x.yaml]\n")
        (tmp_path / name / "x.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {name}}}\n"
            "spec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n"
            "    spec: {containers: [{name: x, image: 'x:latest'}]}\n")
    frozen, plain = _run(tmp_path, "freeze"), _run(tmp_path, "plain")
    assert frozen["units"] == plain["units"] == 3
    assert frozen["analyses"] == plain["analyses"] == [0, 0, 0]
    assert frozen["frozen_more"] is True and plain["frozen_more"] is False
    assert frozen["findings"] == plain["findings"] and frozen["findings"]
