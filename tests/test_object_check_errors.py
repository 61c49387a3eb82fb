"""An unexpected error in a per-object check names the file of the object being checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kubelint import checks
from kubelint.checks import Hit, Params, object_check
from kubelint.loader import load_tree
from kubelint.model.resource import Resource
from kubelint.options import Options
from kubelint.progress import InternalError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def failing_check() -> Iterator[str]:
    name = "test-fails-on-ingress"

    @object_check(name)
    def fails(resource: Resource, params: Params) -> Iterator[Hit]:
        if resource.kind == "Ingress":
            raise KeyError("spec")
        yield Hit("seen", resource.where())

    yield name
    del checks._REGISTRY[name]


def test_error_names_the_file_of_the_failing_object(failing_check: str) -> None:
    tree = load_tree([str(EXAMPLES)], Options())
    ingress = next(resource for resource in tree.resources if resource.kind == "Ingress")
    with pytest.raises(InternalError) as raised:
        list(checks.registry()[failing_check](tree, {}))
    assert raised.value.file == ingress.file
    assert f"while processing {ingress.file}: KeyError: 'spec'" in str(raised.value)


def test_hits_pass_through_unchanged(failing_check: str) -> None:
    tree = load_tree([str(EXAMPLES)], Options())
    tree.resources = [resource for resource in tree.resources if resource.kind != "Ingress"]
    hits = list(checks.registry()[failing_check](tree, {}))
    assert [hit.location.file for hit in hits] == [resource.file for resource in tree.resources]
