"""The built-in rules as parsed (data/builtin-rules.json): fresh, the same catalogue as parsing the files, and a
rule file whose text differs from the recorded one is parsed again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kubelint.catalog import PARSED_BUILTIN, _load_builtin, _load_folder, builtin_rules_dir, parsed_builtin


def test_the_parsed_rules_are_those_of_the_rule_files() -> None:
    assert PARSED_BUILTIN.read_text(encoding="utf-8") == parsed_builtin(), \
        "kubelint/data/builtin-rules.json is stale: run `python -m kubelint.catalog` and commit it"


def test_the_catalogue_from_the_parsed_rules_is_the_one_parsing_gives() -> None:
    folder = str(builtin_rules_dir())
    fast = _load_builtin(folder)
    slow = _load_folder(folder, False, user=False)
    assert len(fast) == len(slow) > 80
    assert fast == slow


def test_a_rule_file_that_changed_is_parsed_again(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), folder)
    recorded = json.loads(parsed_builtin(str(folder)))
    changed, kept = sorted(recorded["files"])[:2]
    path = folder / changed
    path.write_text(path.read_text(encoding="utf-8").replace("summary:", "summary: Changed.", 1), encoding="utf-8")
    recorded["files"][kept]["data"]["summary"] = "as recorded"  # taken from the record: its file is unchanged
    parsed = tmp_path / "parsed.json"
    parsed.write_text(json.dumps(recorded), encoding="utf-8")
    rules = {Path(rule.file).name: rule for rule in _load_builtin(str(folder), parsed)}
    assert rules[changed].summary.startswith("Changed.")
    assert rules[kept].summary == "as recorded"
    parsed.write_text("{not json", encoding="utf-8")  # an unusable record: every file is parsed
    assert _load_builtin(str(folder), parsed) == _load_folder(str(folder), False, user=False)
