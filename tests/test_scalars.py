"""Plain scalars resolve as go-yaml v2 (and so Kubernetes) reads them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kubelint.sources.scalars import key_text, resolve_plain

HOSTILE = Path(__file__).parent / "hostile"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True), ("Yes", True), ("ON", True), ("y", True), ("true", True),
        ("no", False), ("Off", False), ("n", False), ("FALSE", False),
        ("~", None), ("null", None), ("", None),
        ("0755", 493), ("0o17", 15), ("0x1F", 31), ("0b101", 5), ("-12", -12), ("+7", 7), ("1_000", 1000),
        ("0", 0), ("1.5", 1.5), ("1e3", 1000.0), ("08", 8.0), (".5", 0.5),
        ("=", "="), ("1.2.3", "1.2.3"), ("100m", "100m"), ("128Mi", "128Mi"), ("v1", "v1"), ("-", "-"),
        ("2024-01-01", "2024-01-01"), ("0x", "0x"), ("nginx:1.27", "nginx:1.27"),
        # 64-bit integers as Go's ParseInt/ParseUint read them; beyond, a float if it looks like one, else text
        ("18446744073709551615", 18446744073709551615), ("-9223372036854775808", -9223372036854775808),
        ("18446744073709551616", 1.8446744073709552e19), ("-9223372036854775809", -9.223372036854776e18),
        ("0x" + "0" * 4000 + "1", 1), ("0x1" + "0" * 16, "0x1" + "0" * 16), ("0b" + "1" * 65, "0b" + "1" * 65),
        ("1e400", "1e400"), ("9" * 5000, "9" * 5000), ("0x" + "f" * 4000, "0x" + "f" * 4000), ("1_000.5", 1000.5),
    ],
)
def test_resolve_plain(text: str, value: object) -> None:
    resolved = resolve_plain(text)
    assert resolved == value and type(resolved) is type(value)


def test_special_floats() -> None:
    assert math.isnan(resolve_plain(".nan"))  # type: ignore[arg-type]
    assert resolve_plain("-.inf") == float("-inf")


def test_key_text() -> None:
    assert [key_text(v) for v in (True, False, None, 3, 2.0, "x")] == ["true", "false", "null", "3", "2", "x"]


@pytest.mark.parametrize("name", ["int-4000-hex-digits.yaml", "int-5000-decimal-digits.yaml"])
def test_huge_integers_are_text_and_the_rest_of_the_file_is_read(name: str) -> None:
    """A 4,000-hex-digit integer crashed every report (Python refuses to print it); 5,000 decimal digits ended
    the file's parse at that line, dropping every later document."""
    from kubelint.engine import lint_paths
    from kubelint.options import Options
    from kubelint.report import render

    report = lint_paths([str(HOSTILE / name)], Options(cache=False))
    for format_name in ("text", "json", "sarif", "github", "junit"):
        assert render(report, format_name)
    assert not [finding for finding in report.findings if finding.rule == "yaml-syntax"]
    if name.startswith("int-5000"):
        assert report.objects == 2 and any(finding.rule == "privileged-container" for finding in report.findings)
