"""Plain scalars resolve as go-yaml v2 (and so Kubernetes) reads them."""

from __future__ import annotations

import math

import pytest

from kubelint.sources.scalars import key_text, resolve_plain


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
