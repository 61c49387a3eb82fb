"""GitHub workflow commands: whatever a manifest holds, one finding is one command on one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubelint.findings import Finding, Location, Severity
from kubelint.report.escape import escape_control
from kubelint.report.github_format import annotation, escape_data, escape_property, plain_line

COMMAND = re.compile(r"::(error|warning|notice) file=([^,:\r\n]*),line=(\d+),col=(\d+),title=([^,:\r\n]*)::([^\r\n]*)")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@given(message=st.text(), file=st.text(min_size=1).filter(lambda f: f != "-" and "\x00" not in f),
       severity=st.sampled_from(list(Severity)))
def test_any_text_gives_exactly_one_well_formed_command(message: str, file: str, severity: Severity) -> None:
    finding = Finding("some-rule", severity, message, Location(file, 3, 7))
    line = annotation(finding, source_root="/")
    match = COMMAND.fullmatch(line)
    assert match, line
    assert match.group(1) == {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[severity]
    assert (match.group(3), match.group(4), match.group(5)) == ("3", "7", "some-rule")
    assert unescape_data(match.group(6)) == escape_control(message, keep_newlines=True)


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert unescape_property(escape_property("x:%0A,y")) == "x:%0A,y"


def test_suppressed_findings_are_notices_and_objects_are_named() -> None:
    from dataclasses import replace

    from kubelint.model.resource import ObjectRef

    finding = Finding("r", Severity.ERROR, "bad", Location("a.yaml", 1, 1, ObjectRef("", "Service", "ns", "web")))
    assert annotation(finding) == "::error file=a.yaml,line=1,col=1,title=r::bad (ns/Service/web)"
    suppressed = annotation(replace(finding, suppressed=True, suppression="comment"))
    assert suppressed == "::notice file=a.yaml,line=1,col=1,title=r::bad (ns/Service/web) (suppressed: comment)"


# GitHub's runner also reads the legacy form ``##[command]data`` anywhere in a line (``add-mask``,
# ``stop-commands`` that silences every later annotation, ``error`` ...), comparing culture-aware: format
# characters between ``#``, ``#`` and ``[`` may be skipped.
IGNORABLE = "\u00ad\u200b\u200d\u2060\ufeff\ufe0f\U000e0001"


def without_ignorable(text: str) -> str:
    return "".join(character for character in text if character not in IGNORABLE)


@pytest.mark.parametrize(("text", "shown"), [
    ("##[add-mask]secret", "#\\x23[add-mask]secret"),
    ("a ##[stop-commands]t b", "a #\\x23[stop-commands]t b"),
    ("###[error]x", "##\\x23[error]x"),
    ("#\u200b#\ufeff[error]x", "#\u200b\\x23\ufeff[error]x"),
    ("#a#[x], ## [x], #[x]", "#a#[x], ## [x], #[x]"),
])
def test_legacy_workflow_commands_are_shown_escaped(text: str, shown: str) -> None:
    assert escape_control(text) == shown
    finding = Finding("r", Severity.ERROR, text, Location(text, 1, 1))
    for line in (plain_line(finding), annotation(finding)):
        assert "##[" not in without_ignorable(line)


@given(st.text(alphabet="#[]ab:" + IGNORABLE + "\n\x1b"))
def test_no_text_leaves_a_legacy_workflow_command(text: str) -> None:
    assert "##[" not in without_ignorable(escape_control(text))
    assert "##[" not in without_ignorable(escape_control(text, keep_newlines=True))


def test_a_manifest_cannot_pause_or_forge_commands_through_the_legacy_form(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kubelint.cli import cli

    keys = "".join(f'  "{n} ##[stop-commands]t #\u200b#[error]x": v\n' * 2 for n in range(12))  # > 10 warnings
    manifest = tmp_path / "evil.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n{keys}", encoding="utf-8")
    for output in ("github", "text"):
        result = CliRunner().invoke(cli, ["lint", str(manifest), "--format", output, "--no-cache"])
        assert result.exit_code == 1, result.output
        assert result.output.count("#\\x23[stop-commands]t") >= 12, result.output  # one per key (+ its line)
        assert "##[" not in without_ignorable(result.output)
