"""The loader's speed-ups change nothing visible: the cycle collector is paused for the load and restored."""

from __future__ import annotations

import gc
from pathlib import Path

from kubelint import loader
from kubelint.options import Options

ROOT = Path(__file__).resolve().parent.parent
TREES = [str(ROOT / "fixtures"), str(ROOT / "examples")]


def test_collector_state_is_restored() -> None:
    assert gc.isenabled()
    tree = loader.load_tree(TREES, Options())
    assert tree.resources and gc.isenabled()
    gc.disable()
    try:
        loader.load_tree(TREES, Options())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_flat_event_classes_are_swapped_in_only_while_parsing() -> None:
    import sys

    from ruamel.yaml import events
    from ruamel.yaml.cyaml import CParser

    from kubelint.sources import yaml

    binding = sys.modules[CParser.__module__]
    names = ("ScalarEvent", "MappingStartEvent", "SequenceStartEvent", "MappingEndEvent", "SequenceEndEvent")
    seen: list[type] = []
    with yaml._flat_events():
        parser = CParser("a: [1, {b: c}]\n")
        while (event := parser.get_event()) and type(event).__name__ != "StreamEndEvent":
            seen.append(type(event))
        assert all(getattr(binding, name) is not getattr(events, name) for name in names)
        with yaml._flat_events():  # nested: left as it is, and still in place afterwards
            pass
        assert binding.ScalarEvent is yaml._ScalarEvent
    assert all(getattr(binding, name) is getattr(events, name) for name in names)
    assert yaml._ScalarEvent in seen and yaml._MappingEndEvent in seen
    assert all(issubclass(cls, events.Event) for cls in seen)
    documents, problems = yaml.parse("a: [1, {b: c}]\n")
    assert documents[0].data == {"a": [1, {"b": "c"}]} and not problems
    assert all(getattr(binding, name) is getattr(events, name) for name in names)
