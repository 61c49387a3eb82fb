"""Compare two versions of kubelint on the same cases, runs interleaved (A, B, A, B, ...) in one session.

    python benchmarks/compare.py BEFORE [AFTER] [--sizes 10000,100000] [--runs 5]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree). Each revision's ``kubelint``
package is exported to a temporary folder and put first on PYTHONPATH, so both run with the same
interpreter and dependencies. Interleaving keeps a busy, shared machine from favouring either side;
CPU time (user + system of the child) is reported beside wall time because it is steadier.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import cached  # noqa: E402
from run import KUBE_PROMETHEUS, ONE_FILE, ROOT, Sample, lint_command, run_once  # noqa: E402


def export(revision: str, folder: str) -> str:
    """The tree of ``revision`` (or the working tree for ``.``) under ``folder``; returns its path."""
    target = os.path.join(folder, revision.replace("/", "_"))
    if revision == ".":
        shutil.copytree(ROOT / "kubelint", os.path.join(target, "kubelint"))
        shutil.copytree(ROOT / "rules", os.path.join(target, "rules"))
        return target
    archive = os.path.join(folder, "export.tar")
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", archive, revision, "kubelint", "rules"], check=True)
    with tarfile.open(archive) as handle:
        handle.extractall(target, filter="data")
    return target


def timed(command: list[str], path: str) -> Sample:
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = path
    try:
        sample = run_once(command)
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous
    if sample.status != 0:
        raise SystemExit(f"kubelint failed under {path}: {sample.stderr[-1000:]}")
    return sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default=".")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big-runs", type=int, default=3)
    parser.add_argument("--no-corpus", action="store_true", help="skip one-file and kube-prometheus")
    parser.add_argument("--workdir", default=str(HERE / ".work"))
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="kubelint-compare-")
    try:
        sides = {"before": export(args.before, scratch), "after": export(args.after, scratch)}
        cases: list[tuple[str, str, int]] = []
        if not args.no_corpus:
            cases += [("one file", str(ONE_FILE), args.runs), ("kube-prometheus", str(KUBE_PROMETHEUS), args.runs)]
        for size in [int(size) for size in args.sizes.split(",") if size]:
            tree = cached(os.path.join(args.workdir, f"synthetic-{size}"), size)
            cases.append((f"synthetic {size}", tree.root, args.big_runs if size >= 50_000 else args.runs))
        print(f"before = {args.before}, after = {args.after}; medians of interleaved runs; ratio = before / after")
        print("| case | runs | wall before (s) | wall after (s) | wall ratio | CPU before (s) | CPU after (s) | "
              "CPU ratio | peak MB before | peak MB after | load before | load after |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, path, runs in cases:
            report = os.path.join(scratch, "report.json")
            samples: dict[str, list[Sample]] = {"before": [], "after": []}
            for _ in range(runs):
                for side, folder in sides.items():
                    samples[side].append(timed(lint_command(path, report), folder))
            wall = {side: statistics.median(s.wall for s in found) for side, found in samples.items()}
            cpu = {side: statistics.median(s.cpu for s in found) for side, found in samples.items()}
            peak = {side: max(s.peak_kb for s in found) / 1024 for side, found in samples.items()}
            load = {side: statistics.median(s.stages.get("load", 0.0) for s in found)
                    for side, found in samples.items()}
            print(f"| {name} | {runs} | {wall['before']:.3f} | {wall['after']:.3f} "
                  f"| {wall['before'] / wall['after']:.2f}x | {cpu['before']:.3f} | {cpu['after']:.3f} "
                  f"| {cpu['before'] / cpu['after']:.2f}x "
                  f"| {peak['before']:.0f} | {peak['after']:.0f} | {load['before']:.3f} | {load['after']:.3f} |",
                  flush=True)
        print(f"load average at end: {os.getloadavg()}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
