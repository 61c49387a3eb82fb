"""kubelint.cached.cached_property: computed on the first read of each instance, then read from its __dict__."""

import pytest

from kubelint.cached import cached_property


class Counted:
    def __init__(self, base: int) -> None:
        self.base, self.calls = base, 0

    @cached_property
    def double(self) -> int:
        """Twice the base."""
        self.calls += 1
        return self.base * 2


def test_computed_once_per_instance_and_kept_in_its_dict() -> None:
    one, two = Counted(1), Counted(5)
    assert (one.double, one.double, two.double) == (2, 2, 10)
    assert (one.calls, two.calls) == (1, 1)
    assert one.__dict__["double"] == 2
    del one.__dict__["double"]
    assert one.double == 2 and one.calls == 2


def test_read_on_the_class_gives_the_descriptor_with_the_methods_docstring() -> None:
    assert isinstance(Counted.__dict__["double"], cached_property)
    assert Counted.double.__doc__ == "Twice the base."  # type: ignore[attr-defined]


def test_one_descriptor_under_two_names_is_refused() -> None:
    def value(self: object) -> int:
        return 1

    shared = cached_property(value)
    with pytest.raises((TypeError, RuntimeError)):
        type("Twice", (), {"a": shared, "b": shared})
