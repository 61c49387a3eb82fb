"""Install kubelint the way users run it: a wheel in its own virtual environment, with compiled bytecode.

    python benchmarks/install.py [REVISION] [--workdir DIR]    # prints the kubelint executable

An editable install (``pip install -e``) starts slower: its import hook is loaded on every start, and with
bytecode writing off every module is compiled again on every run (14% of a kube-prometheus lint). The
benchmarks therefore build a wheel of the working tree (or of a git revision), install it into a venv of
its own under the work folder (``pip`` compiles the bytecode on install), and time that venv's ``kubelint``.
A venv is kept between sessions: its dependencies are installed once, kubelint is reinstalled every time.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_WORKDIR = HERE / ".work"
# Folders of the repository that are not part of the package (left out of the wheel's source tree).
NOT_PACKAGED = ("tests", "docs", "examples", "benchmarks")


def _source_tree(revision: str | None, scratch: str) -> str:
    """A folder holding the project at ``revision`` (None: the working tree, uncommitted changes included)."""
    target = os.path.join(scratch, "src")
    if revision is None:
        ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".work",
                                        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
                                        *NOT_PACKAGED)
        shutil.copytree(ROOT, target, symlinks=True, ignore=ignore)
        return target
    archive = os.path.join(scratch, "export.tar")
    # The folders the wheel does not need are left out of the export too: tests/hostile holds symlinks to
    # absolute paths on purpose, which tarfile's "data" filter (rightly) refuses to extract.
    excluded = [f":(exclude){name}" for name in NOT_PACKAGED]
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", archive, revision, "--", ".", *excluded], check=True)
    with tarfile.open(archive) as handle:
        handle.extractall(target, filter="data")
    return target


def _run(command: list[str]) -> None:
    """Run a build or install step quietly; on failure show its output and stop."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")


def build_wheel(revision: str | None, out: str) -> str:
    """Build kubelint's wheel at ``revision`` (None: the working tree) into ``out``; returns the wheel's path."""
    with tempfile.TemporaryDirectory(prefix="kubelint-wheel-") as scratch:
        source = _source_tree(revision, scratch)
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, source])
    wheels = sorted(glob.glob(os.path.join(out, "kubelint-*.whl")), key=os.path.getmtime)
    if not wheels:
        raise SystemExit(f"no wheel was built in {out}")
    return wheels[-1]


def install(revision: str | None = None, workdir: str | os.PathLike[str] = DEFAULT_WORKDIR,
            label: str | None = None) -> str:
    """Build and install kubelint at ``revision`` into the venv ``workdir/venv-<label>``; returns its
    ``kubelint`` executable. ``label`` defaults to the revision (``worktree`` for the working tree)."""
    name = label or (revision or "worktree")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    if len(safe) > 40:
        safe = safe[:24] + "-" + hashlib.sha1(name.encode()).hexdigest()[:12]
    venv = Path(workdir) / f"venv-{safe}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    with tempfile.TemporaryDirectory(prefix="kubelint-dist-") as out:
        wheel = build_wheel(revision, out)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, wheel])  # its dependencies, the first time only
        _run([*pip, "--force-reinstall", "--no-deps", wheel])
    subprocess.run([str(python), "-m", "compileall", "-q", str(venv / "lib")], check=False,
                   stdout=subprocess.DEVNULL)
    return str(venv / "bin" / "kubelint")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", nargs="?", help="a git revision (default: the working tree)")
    parser.add_argument("--workdir", default=str(DEFAULT_WORKDIR))
    args = parser.parse_args()
    print(install(args.revision, args.workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
