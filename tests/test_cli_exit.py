"""The console entry point exits without tearing down the heap, and loses no output doing so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ENTRY = "import sys; from kubelint.cli import main; sys.argv[0] = 'kubelint'; main()"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=120)


def test_large_output_is_flushed_and_exit_codes_kept(tmp_path: Path) -> None:
    for index in range(400):
        (tmp_path / f"app{index:03d}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{index}\n  name: again{index}\n")
    text = _run("lint", str(tmp_path), "--no-color")
    assert text.returncode == 1
    assert len(text.stdout) > 65536  # more than one pipe buffer
    assert text.stdout.count("[yaml-duplicate-key]") == 400
    assert text.stdout.rstrip().endswith("400 files, 400 objects: 0 errors, 400 warnings, 0 info")
    report = _run("lint", str(tmp_path), "--format", "json", "--fail-on", "never")
    assert report.returncode == 0
    assert json.loads(report.stdout)["summary"]["findings"] == 400


def test_usage_errors_and_version_exit_as_before(tmp_path: Path) -> None:
    missing = _run("lint", str(tmp_path / "missing"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith("kubelint ")
