"""processing_each: one handler around a loop names the file of the object whose work failed."""

from __future__ import annotations

import pytest

from kubelint.progress import InternalError, processing_each


def test_names_the_file_being_processed() -> None:
    with pytest.raises(InternalError) as raised, processing_each() as current:
        for name in ("a.yaml", "b.yaml"):
            current.file = name
            if name == "b.yaml":
                raise KeyError("spec")
    assert str(raised.value) == "internal error while processing b.yaml: KeyError: 'spec'"
    assert isinstance(raised.value.__cause__, KeyError)


def test_an_internal_error_passes_unchanged() -> None:
    inner = InternalError(ValueError("x"), "inner.yaml")
    with pytest.raises(InternalError) as raised, processing_each() as current:
        current.file = "outer.yaml"
        raise inner
    assert raised.value is inner


def test_before_any_file() -> None:
    with pytest.raises(InternalError) as raised, processing_each():
        raise RuntimeError("boom")
    assert str(raised.value) == "internal error: RuntimeError: boom"
