"""Read fixture folders: which lines must carry a finding of the folder's rule.

The logic lives in :mod:`kubelint.views.ruletest` (``kubelint test RULES_DIR`` runs users' fixtures the same
way); this module points it at the built-in ``fixtures/`` folder.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from kubelint.views.ruletest import Fixture
from kubelint.views.ruletest import fixture_folders as _fixture_folders

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

__all__ = ["FIXTURES", "ROOT", "Fixture", "fixture_folders", "relative"]


def fixture_folders() -> list[Fixture]:
    return _fixture_folders(FIXTURES)


def relative(counter: Counter[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted((os.path.relpath(file, ROOT), line) for file, line in counter.elements())
