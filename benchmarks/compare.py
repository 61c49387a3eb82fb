"""Compare two versions of kubelint on the same cases, runs interleaved (A, B, A, B, ...) in one session.

    python benchmarks/compare.py BEFORE [AFTER] [--sizes 10000,100000] [--runs 5]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree). Each side is a wheel installed
in a venv of its own with compiled bytecode (``benchmarks/install.py``), as users run kubelint, with the same
interpreter and dependencies. Interleaving keeps a busy, shared machine from favouring either side;
CPU time (user + system of the child) is reported beside wall time because it is steadier. Besides the
first runs (``--no-cache``), kube-prometheus is also linted with the parse cache warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import cached  # noqa: E402
from install import install  # noqa: E402
from run import KUBE_PROMETHEUS, ONE_FILE, Sample, lint_command, run_once  # noqa: E402


def timed(executable: str, path: str, report: str, cache_dir: str | None) -> Sample:
    """One run of ``executable`` on ``path`` (with ``cache_dir``: the parse cache in that folder)."""
    command = lint_command(path, report, cache=cache_dir is not None, executable=executable)
    env = {"KUBELINT_CACHE_DIR": cache_dir} if cache_dir is not None else None
    sample = run_once(command, env=env)
    if sample.status != 0:
        raise SystemExit(f"{executable} failed: {sample.stderr[-1000:]}")
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
        sides = {"before": install(args.before, args.workdir, "compare-before"),
                 "after": install(None if args.after == "." else args.after, args.workdir, "compare-after")}
        cases: list[tuple[str, str, int, bool]] = []
        if not args.no_corpus:
            cases += [("one file", str(ONE_FILE), args.runs, False),
                      ("kube-prometheus", str(KUBE_PROMETHEUS), args.runs, False),
                      ("kube-prometheus, cache warm", str(KUBE_PROMETHEUS), args.runs, True)]
        for size in [int(size) for size in args.sizes.split(",") if size]:
            tree = cached(os.path.join(args.workdir, f"synthetic-{size}"), size)
            cases.append((f"synthetic {size}", tree.root, args.big_runs if size >= 50_000 else args.runs, False))
        print(f"before = {args.before}, after = {args.after}; medians of interleaved runs; ratio = before / after")
        print("| case | runs | wall before (s) | wall after (s) | wall ratio | CPU before (s) | CPU after (s) | "
              "CPU ratio | peak MB before | peak MB after | load before | load after |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, path, runs, warm in cases:
            report = os.path.join(scratch, "report.json")
            samples: dict[str, list[Sample]] = {"before": [], "after": []}
            caches = {side: os.path.join(scratch, f"cache-{side}") if warm else None for side in sides}
            if warm:  # fill each side's cache once
                for side, executable in sides.items():
                    timed(executable, path, report, caches[side])
            for _ in range(runs):
                for side, executable in sides.items():
                    samples[side].append(timed(executable, path, report, caches[side]))
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
