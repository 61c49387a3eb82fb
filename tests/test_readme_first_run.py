"""The README's "first run on a real repository" excerpt is what kubelint prints today on that corpus."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("KUBELINT_CORPORA") or ROOT.parent / "shared" / "corpora") / "argo-cd-install"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpora are not next to the repository")
def test_first_run_excerpt_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## A first run on a real repository"):readme.index("### Choosing a profile")]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None
    shown = block.group(1).splitlines()
    statistics = shown[shown.index("$ kubelint lint manifests/install.yaml -n argocd --statistics") + 1:]
    quiet = shown[1:shown.index("$ kubelint lint manifests/install.yaml -n argocd --statistics")]
    monkeypatch.chdir(CORPUS)
    runner = CliRunner()
    out = runner.invoke(cli, ["lint", "manifests/install.yaml", "-n", "argocd", "--statistics", "--no-color"]).output
    assert out.splitlines() == statistics
    found = runner.invoke(cli, ["lint", "manifests/install.yaml", "-n", "argocd", "-q", "--no-color"]).output
    warnings = [line for line in found.splitlines() if " info " not in line]
    assert all(line == "..." or line in warnings for line in quiet)
    assert warnings[0] == quiet[0]
