"""Make the fixture harness importable from the tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


import pytest


@pytest.fixture(autouse=True)
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's real parse cache."""
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "parse-cache"))
