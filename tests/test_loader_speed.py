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
