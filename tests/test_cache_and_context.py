"""The parse cache (unchanged files are not parsed again) and context paths (seen, not reported)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import kubelint.sources.read as read
from kubelint.cli import cli
from kubelint.sources.cache import ParseCache, open_cache
from kubelint.sources.discover import Candidate

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
# A valid Service: the API server refuses one without ports.
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n"


def test_unchanged_files_are_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(CONFIGMAP)
    cache = ParseCache(tmp_path / "cache")
    first = read.load_source(Candidate(str(path), str(path)), cache=cache)

    def fail(text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(read, "parse_text", fail)
    second = read.load_source(Candidate(str(path), str(path)), cache=cache)
    assert second.documents[0].data == first.documents[0].data == {"apiVersion": "v1", "kind": "ConfigMap",
                                                                   "metadata": {"name": "b"}}
    assert second.documents[0].positions == first.documents[0].positions
    assert [p.code for p in second.problems] == ["yaml-duplicate-key"]
    assert second.text == CONFIGMAP
    path.write_text(CONFIGMAP + "data: {}\n")
    with pytest.raises(AssertionError, match="parsed again"):
        read.load_source(Candidate(str(path), str(path)), cache=cache)


def test_files_that_are_not_text_are_cached_too(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    cache = ParseCache(tmp_path / "cache")
    for _ in range(2):  # a miss, then a hit
        source = read.load_source(Candidate(str(path), str(path)), cache=cache)
        assert [p.code for p in source.problems] == ["yaml-syntax"] and source.text == ""


def test_corrupted_cache_entries_are_misses(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(CONFIGMAP)
    cache = ParseCache(tmp_path / "cache")
    key = cache.key(path.read_bytes())
    entry = tmp_path / "cache" / "parse" / key[:2] / key[2:]
    entry.parent.mkdir(parents=True)
    entry.write_bytes(b"\x80\x05garbage")
    source = read.load_source(Candidate(str(path), str(path)), cache=cache)
    assert source.documents[0].data["metadata"] == {"name": "b"}
    assert cache.get(key) is not None  # rewritten


def test_unwritable_cache_folder_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache, why = open_cache(blocker / "cache")
    assert cache is None and "cannot use the cache folder" in why
    path = tmp_path / "cm.yaml"
    path.write_text(CONFIGMAP)
    result = CliRunner().invoke(cli, ["lint", str(path), "--cache-dir", str(blocker / "cache")])
    assert result.exit_code == 1 and "yaml-duplicate-key" in result.output


def test_context_files_are_seen_but_not_reported(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    focus = tmp_path / "app" / "svc.yaml"
    focus.write_text(SERVICE)
    (tmp_path / "app" / "other.yaml").write_text(CONFIGMAP + "---\n" + SERVICE)
    result = CliRunner().invoke(cli, ["lint", str(focus), "--context", str(tmp_path), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert report["findings"] == []
    assert report["summary"]["files"] == 1 and report["summary"]["objects"] == 1
    # Without context, the other file's problems are reported when it is linted itself.
    result = CliRunner().invoke(cli, ["lint", str(tmp_path), "--format", "json", "--no-cache"])
    assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"yaml-duplicate-key"}
    # Each file is a unit of its own by default; applied together (config units), the Service is defined twice.
    config = tmp_path / "units.yaml"
    config.write_text("units: [app]\n")
    result = CliRunner().invoke(cli, ["lint", str(tmp_path), "--format", "json", "--config", str(config)])
    assert {f["rule"] for f in json.loads(result.stdout)["findings"]} == {"yaml-duplicate-key", "duplicate-object"}
    result = CliRunner().invoke(cli, ["lint", str(focus), "--context", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 0, result.stdout  # the second definition is in the context file


def test_context_reports_exactly_the_focus_files_findings_of_a_full_run() -> None:
    # Per-object checks run only on the focus files in context mode; the report must not change.
    from kubelint.engine import lint_paths
    from kubelint.options import Options

    examples = str(Path(__file__).resolve().parent.parent / "examples")
    full = lint_paths([examples], Options(cache=False))
    for focus in sorted({finding.file for finding in full.findings}):
        expected = [(f.rule, f.line, f.column, f.message) for f in full.findings if f.file == focus]
        report = lint_paths([focus], Options(cache=False, context=[examples]))
        assert [(f.rule, f.line, f.column, f.message) for f in report.findings] == expected, focus
