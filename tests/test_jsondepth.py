"""JSON nesting bound (kubelint.jsondepth): files read as JSON are refused past the same depth on every Python."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubelint.jsondepth import MAX_JSON_DEPTH, nested_deeper_than


def _chain(depth: int, kind: str) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value} if kind == "dict" else [value]
    return value


@pytest.mark.parametrize("kind", ["dict", "list"])
def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_refused(kind: str) -> None:
    assert not nested_deeper_than(_chain(MAX_JSON_DEPTH, kind))
    assert nested_deeper_than(_chain(MAX_JSON_DEPTH + 1, kind))
    assert not nested_deeper_than(_chain(3, kind), limit=3)
    assert nested_deeper_than(_chain(4, kind), limit=3)


def test_wide_values_and_scalars_are_not_deep() -> None:
    assert not nested_deeper_than(1) and not nested_deeper_than("x") and not nested_deeper_than({})
    wide = {"items": [{"a": [1, 2, {"b": None}]} for _ in range(1000)]}
    assert not nested_deeper_than(wide, limit=5)
    assert nested_deeper_than(wide, limit=4)


def test_a_mixed_chain_as_json_decodes_it() -> None:
    text = '{"a": [' * 300 + "0" + "]}" * 300
    assert nested_deeper_than(json.loads(text))  # 600 levels of dicts and lists
    assert not nested_deeper_than(json.loads(text), limit=600)
