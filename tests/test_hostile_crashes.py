"""Inputs that crashed kubelint (exit 3) are findings now; each reproducer is a file in ``tests/hostile/``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.cli import cli

HOSTILE = Path(__file__).parent / "hostile"


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "--no-cache", *args])
    return result.exit_code, result.output


def test_non_string_kind_and_api_version_are_findings() -> None:
    """``kind: []`` crashed the loader (an unhashable kind looked up in a set of kinds)."""
    code, output = _lint(str(HOSTILE / "kind-not-a-string.yaml"), "--format", "json", "-v")
    assert code == 1, output
    report = json.loads(output)
    found = [(f["line"], f["message"]) for f in report["findings"] if f["rule"] == "invalid-manifest"]
    assert found == [(2, "missing or non-string kind (got sequence)"),
                     (9, "missing or non-string apiVersion (got sequence)")]


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@pytest.mark.parametrize("format_name", ["text", "dot", "mermaid", "json"])
def test_graph_never_prints_raw_control_characters(format_name: str) -> None:
    """``kubelint graph`` printed ANSI escapes (clear screen, cursor moves) and bidi overrides from names."""
    names = str(HOSTILE / "control-characters-in-names.yaml")
    result = CliRunner().invoke(cli, ["graph", "--format", format_name, names])
    assert result.exit_code == 0, result.output
    assert "selects" in result.stdout and not CONTROL.search(result.stdout)
    if format_name == "dot":  # DOT doubles the escape's backslash, so Graphviz shows it instead of reading \x
        assert "web\\\\x1b[2J\\\\x1b[31mred\\\\u202egnp.exe" in result.stdout
    elif format_name != "json":
        assert "web\\x1b[2J\\x1b[31mred\\u202egnp.exe" in result.stdout


def test_sarif_messages_have_no_raw_bidi_or_control_characters() -> None:
    """Names with bidi overrides (a Trojan Source look-alike) and terminal escapes reached SARIF messages raw."""
    _, output = _lint(str(HOSTILE / "control-characters-in-names.yaml"), "--format", "sarif")
    log = json.loads(output)
    texts = [result["message"]["text"] for result in log["runs"][0]["results"]]
    assert texts and any("pod\\x1b[1A" in text for text in texts) and any("\\u202e" in text for text in texts)
    assert not any(CONTROL.search(text) for text in texts)


def _non_utf8_tree(tmp_path: Path) -> Path:
    """A folder holding a manifest whose name is not UTF-8 (and has a newline), with non-ASCII content."""
    folder = tmp_path / "tree"
    folder.mkdir()
    name = os.fsdecode(b"bad\xff\n::error::x.yaml")
    (folder / name).write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\u00e9\nspec:\n  containers: []\n",
                               encoding="utf-8")
    return folder


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "github", "junit"])
def test_non_utf8_file_names_in_every_format(tmp_path: Path, format_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name that is not UTF-8 crashed SARIF and JSON output and ``--output`` (UnicodeEncodeError)."""
    monkeypatch.chdir(tmp_path)
    folder = _non_utf8_tree(tmp_path).relative_to(tmp_path)
    report = tmp_path / "report"
    summary = tmp_path / "summary.md"
    github = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SERVER_URL": "https://github.com",
              "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc"}
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--fail-on", "info", str(folder), "--format", format_name,
                                      "--output", str(report)], env=github)
    code, output = result.exit_code, result.output
    assert code == 1, output
    if format_name == "github":
        assert "bad%FF" in summary.read_text(encoding="utf-8")
    written = report.read_bytes().decode("utf-8")  # valid UTF-8
    if format_name in ("json", "sarif"):
        document = json.loads(written)
        if format_name == "json":  # JSON keeps the exact name: the undecodable byte as an escaped surrogate
            assert os.fsencode(document["findings"][0]["file"]).endswith(b"bad\xff\n::error::x.yaml")
        else:
            uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri.endswith("bad%FF%0A%3A%3Aerror%3A%3Ax.yaml")
    else:
        assert "bad\\xff" in written and "\n::error::" not in written


@pytest.mark.parametrize("format_name", ["text", "json", "sarif", "github"])
def test_a_strict_locale_does_not_crash(tmp_path: Path, format_name: str) -> None:
    """Under ``LC_ALL=C`` (ASCII, without Python's UTF-8 coercion) non-ASCII text crashed the report."""
    folder = _non_utf8_tree(tmp_path)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": ""}
    done = subprocess.run([sys.executable, "-m", "kubelint", "lint", "--no-cache", "--fail-on", "info", "--format",
                           format_name, str(folder)], capture_output=True, env=env, check=False)
    assert done.returncode == 1, done.stderr
    if format_name in ("json", "sarif"):
        assert json.loads(done.stdout.decode("utf-8"))  # machine formats are UTF-8 whatever the locale
    else:
        assert b"caf" in done.stdout and b"\xff" not in done.stdout


def test_the_internal_error_line_cannot_start_a_workflow_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The one-line internal-error message printed a file name's newline raw: ``::error::...`` on a line."""
    import kubelint.loader
    from kubelint.cli import main

    name = tmp_path / "x.yaml\n::warning file=a::injected"
    name.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")

    def broken(*args: object) -> None:
        raise RuntimeError("boom\n::error::also")

    monkeypatch.setattr(kubelint.loader, "resources_of", broken)
    monkeypatch.setattr(sys, "argv", ["kubelint", "lint", "--no-cache", str(name)])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "while processing" in err and "\\n::warning" in err and "\\n::error" in err


def test_a_deeply_nested_baseline_is_a_usage_error() -> None:
    """json's decoder recursed past Python's limit (exit 3)."""
    code, output = _lint(str(HOSTILE / "kind-not-a-string.yaml"), "--baseline", str(HOSTILE / "json-nested-5000.json"))
    assert code == 2 and "not a kubelint baseline (JSON nested too deeply)" in output


def test_a_deeply_nested_schema_file_is_not_a_crash() -> None:
    folder = HOSTILE / "deep-schema-location"
    code, output = _lint(str(folder / "widget.yaml"), "--schema-location", str(folder), "--format", "json")
    report = json.loads(output)
    assert code == 1 and report["summary"]["objects"] == 1
    found = [(f["file"].rsplit("/", 1)[-1], f["rule"], f["message"]) for f in report["findings"]]
    assert ("widget-example-v1.json", "unreadable-file",
            "--schema-location file not used: JSON nested too deeply") in found


@pytest.mark.parametrize(("folder", "line", "message"), [
    ("rule-ref-missing", 8, "params.schema.$ref: $ref '#/$defs/nothing' points to nothing in this schema"),
    ("rule-ref-cycle", 8, "params.schema.$defs.a.$ref: $ref cycle"),
    ("rule-schema-240-deep", 8, "the schema nests deeper than 64 levels"),
])
def test_a_broken_user_schema_is_a_usage_error_when_rules_load(folder: str, line: int, message: str) -> None:
    """A missing $ref crashed on the first object (PointerToNowhere), a cycle or a deep schema recursed."""
    code, output = _lint(str(HOSTILE / "kind-not-a-string.yaml"), "--rules", str(HOSTILE / folder))
    assert code == 2, output
    assert f"rule.yaml:{line}:" in output and message in output


@pytest.mark.parametrize("fast", [True, False])
def test_a_recursive_schema_over_a_deep_object_is_reported_not_a_crash(fast: bool,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """jsonschema recursed past Python's limit. jsonschema_rs (no such limit) judges the valid deep object; an
    invalid one, which jsonschema must explain, and every one without the fast validator, are reported."""
    from kubelint.checks import policy

    monkeypatch.setattr(policy, "USE_FAST", fast)
    for name, reported in (("nesting-495.yaml", not fast), ("nesting-495-forbidden.yaml", True)):
        code, output = _lint(str(HOSTILE / name), "--rules", str(HOSTILE / "rule-recursive-schema"),
                             "--format", "json")
        assert code == 1, output  # (the ConfigMap's data is not strings: schema-invalid)
        found = [f for f in json.loads(output)["findings"] if f["rule"] == "my-rule-recursive-schema"]
        assert [(f["severity"], f["line"]) for f in found] == ([("info", 1)] if reported else []), name
        if reported:
            assert "nested too deeply for this rule's schema to check it" in found[0]["message"]


def test_library_calls_do_not_keep_their_trees() -> None:
    """``gc.freeze()`` after every load kept each tree (and its analyses' cycles) for good: ~10 MiB per call."""
    import gc
    import weakref

    from kubelint.engine import lint_tree
    from kubelint.loader import load_tree
    from kubelint.options import Options

    examples = Path(__file__).parent.parent / "examples"
    kept = []
    for _ in range(2):
        tree = load_tree([str(examples)], Options(cache=False))
        assert lint_tree(tree).objects > 0
        kept.append(weakref.ref(tree))
        del tree
    gc.collect()
    assert [ref() for ref in kept] == [None, None]
