"""Paths a repository names or redirects: baselines, reports, cache folders and schema files (issue 15).

Each case runs in a folder that is its own repository (``.git``), with a ``victim`` folder beside it that stands
for the rest of the user's machine: nothing there may be read into the report, overwritten or deleted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostile.harness import Result, Run, case, write

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: b}\n"
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
VICTIM = "keep me\n"


def _repository(root: Path) -> Path:
    """The case's folder as a repository holding one manifest, and a victim file outside it."""
    (root / ".git").mkdir()
    write(root, "cm.yaml", CONFIG_MAP)
    victim = root.parent / "victim"
    victim.mkdir(exist_ok=True)
    (victim / "bashrc").write_text(VICTIM)
    return victim / "bashrc"


def _untouched(victim: Path) -> None:
    assert victim.read_text() == VICTIM, "the file outside the repository was overwritten"


def _secret_baseline(path: Path) -> None:
    """A valid baseline outside the repository whose one (stale) entry holds a secret."""
    path.write_text(json.dumps({"kubelint-baseline": 1, "fingerprint": "v1", "findings": [
        {"fingerprint": "0" * 16, "rule": "x", "file": "x", "message": "SECRET-TOKEN"}]}))


@case("baseline-symlink-out")
def baseline_symlink_out(root: Path) -> Run:
    """``--baseline`` named a file of the repository that is a symlink to a file elsewhere: it was read, and
    ``-v`` printed its entries (a JSON file of the user's, echoed); a valid one elsewhere hid findings."""
    victim = _repository(root)
    _secret_baseline(victim.parent / "base.json")
    (root / "baseline.json").symlink_to(victim.parent / "base.json")

    def check(result: Result) -> None:
        assert "SECRET" not in result.stderr + result.stdout
        assert "baseline.json is a symlink that leads outside the linted tree" in result.stderr

    return Run(["lint", "-v", "--baseline", "baseline.json", "."], exit=frozenset({2}), check=check)


@case("config-baseline-symlink-out")
def config_baseline_symlink_out(root: Path) -> Run:
    """The same through ``baseline:`` in the repository's ``.kubelint.yaml``; it is a usage error at the key."""
    victim = _repository(root)
    _secret_baseline(victim.parent / "base.json")
    (root / "baseline.json").symlink_to(victim.parent / "base.json")
    write(root, ".kubelint.yaml", "baseline: baseline.json\n")

    def check(result: Result) -> None:
        assert "SECRET" not in result.stderr + result.stdout
        assert ".kubelint.yaml:1:11: baseline: baseline.json leads outside the repository" in result.stderr

    return Run(["lint", "-v", "."], exit=frozenset({2}), check=check)


@case("baseline-devices-and-fifo")
def baseline_devices(root: Path) -> Run:
    """A baseline that is a FIFO waited forever for a writer; /dev/zero was read until memory ran out."""
    _repository(root)
    os.mkfifo(root / "baseline.json")

    def check(result: Result) -> None:
        assert "baseline.json: cannot read the baseline: a FIFO (named pipe): only regular files" in result.stderr

    return Run(["lint", "--baseline", "baseline.json", "."], exit=frozenset({2}), timeout=30, check=check)


@case("baseline-dev-zero")
def baseline_dev_zero(root: Path) -> Run:
    _repository(root)
    return Run(["lint", "--baseline", "/dev/zero", "."], exit=frozenset({2}), timeout=30,
               check=lambda result: _says(result, "/dev/zero: cannot read the baseline: a device"))


def _says(result: Result, text: str) -> None:
    assert text in result.stderr, result.stderr[-2000:]


@case("report-symlink-out")
def report_symlink_out(root: Path) -> Run:
    """``-o``, ``--report`` and ``--write-baseline`` named a file of the repository that is a symlink to a file of
    the user's: kubelint overwrote it (a report in ``~/.bashrc`` runs the ``$(...)`` a manifest's name holds)."""
    victim = _repository(root)
    (root / "kubelint.sarif").symlink_to(victim)

    def check(result: Result) -> None:
        _untouched(victim)
        _says(result, "not written: kubelint.sarif is a symlink that leads outside the linted tree")

    return Run(["lint", "--format", "sarif", "-o", "kubelint.sarif", "."], exit=frozenset({2}), check=check)


@case("write-baseline-through-a-folder-symlink-out")
def write_baseline_folder_out(root: Path) -> Run:
    victim = _repository(root)
    (root / "ci").symlink_to(victim.parent)

    def check(result: Result) -> None:
        _untouched(victim)
        assert not (victim.parent / "baseline.json").exists()
        _says(result, "passes through")

    return Run(["lint", "--write-baseline", "ci/baseline.json", "."], exit=frozenset({2}), check=check)


@case("config-reports-outside")
def config_reports_outside(root: Path) -> Run:
    """``reports:`` in the repository's ``.kubelint.yaml`` named a file outside it (``../victim/bashrc``), or a
    symlink in it that leads out: each run overwrote that file of the user's."""
    victim = _repository(root)
    write(root, ".kubelint.yaml", "reports:\n  json: ../victim/bashrc\n")

    def check(result: Result) -> None:
        _untouched(victim)
        _says(result, ".kubelint.yaml:2:9: reports.json: ../victim/bashrc leads outside the repository")

    return Run(["lint", "."], exit=frozenset({2}), check=check)
