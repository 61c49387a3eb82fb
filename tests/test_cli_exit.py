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


def test_profilers_and_atexit_get_a_normal_exit(tmp_path: Path) -> None:
    hook = "import atexit; atexit.register(lambda: print('atexit ran'));"
    fast = subprocess.run([sys.executable, "-c", hook + ENTRY, "--version"], capture_output=True, text=True)
    assert fast.returncode == 0 and "atexit ran" not in fast.stdout  # the fast exit skips teardown
    profiled = subprocess.run([sys.executable, "-c", "import sys; sys.setprofile(lambda *a: None);" + hook + ENTRY,
                               "--version"], capture_output=True, text=True)
    assert profiled.returncode == 0 and "atexit ran" in profiled.stdout
    out = tmp_path / "profile.out"
    run = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "kubelint", "--version"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and out.stat().st_size > 0
