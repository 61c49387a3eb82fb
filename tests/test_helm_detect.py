"""Recognising ``helm template`` output: the literal pre-check never changes the regex's answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kubelint.sources.helm import _HELM_START, is_helm_stream


def _regex_only(text: str) -> bool:
    return _HELM_START.search(text, 0, 4096) is not None


def test_helm_output_is_recognised_at_the_start_and_after_a_separator() -> None:
    assert is_helm_stream("# Source: chart/templates/a.yaml\nkind: A\n")
    assert is_helm_stream("---\n# Source: chart/templates/a.yaml\nkind: A\n")
    assert not is_helm_stream("kind: A\n# Source: chart/templates/a.yaml\n")
    assert not is_helm_stream("kind: A\n" * 1000)


def test_only_the_first_4096_characters_count() -> None:
    head = "---\n# Source: c/t.yaml\n"
    for padding in range(4096 - len(head) - 3, 4096 - len(head) + 3):
        text = "a" * (padding - 1) + "\n" + head
        assert is_helm_stream(text) == _regex_only(text), padding


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["---\n", "# Source: ", "c/t.yaml\n", "# Source: x\n", "a: 1\n", "\n", " ",
                                 "x" * 1000]), max_size=12))
def test_the_literal_check_agrees_with_the_regex(parts: list[str]) -> None:
    text = "".join(parts)
    assert is_helm_stream(text) == _regex_only(text)
