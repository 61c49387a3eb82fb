"""Inline suppression comments: only a real YAML comment counts."""

from __future__ import annotations

import pytest

from kubelint.suppress import comment_rules, rule_list


@pytest.mark.parametrize(("line", "expected"), [
    ("hostNetwork: true  # kubelint: ignore=host-network", {"host-network"}),
    ("x: 1 #kubelint: ignore = a,b , c", {"a", "b", "c"}),
    ("- name: app  # kubelint: ignore=all", {"all"}),
    ('value: "# kubelint: ignore=all"', set()),
    ('value: "text # kubelint: ignore=all"', set()),
    ("value: 'it''s # kubelint: ignore=x'  # kubelint: ignore=y", {"y"}),
    ("image: repo/app#tag  # kubelint: ignore=latest-image-tag", {"latest-image-tag"}),
    ("hostNetwork: true  # kubelint: ignore", set()),
    ("hostNetwork: true  # kubelint: ignore-all", set()),
    ("hostNetwork: true", set()),
])
def test_comment_rules(line: str, expected: set[str]) -> None:
    assert comment_rules(line) == expected


def test_annotation_lists_take_commas_or_spaces() -> None:
    assert rule_list(" host-pid,host-ipc  run-as-root ") == {"host-pid", "host-ipc", "run-as-root"}
    assert rule_list("") == set()
