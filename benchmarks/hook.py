"""Benchmark the pre-commit gate (``kubelint lint --hook``) on a synthetic repository with one staged file.

    python benchmarks/hook.py                      # ~2,000 files / 16k objects, 5 rounds
    python benchmarks/hook.py --objects 2000 --runs 3

The repository is the synthetic tree of ``benchmarks/generate.py`` committed once into a git repository under
``benchmarks/.work``. Each round runs, interleaved, every case in a fresh process:

- ``plain lint, first run``: ``kubelint lint .`` with an empty cache folder (what the targets compare with);
- ``hook, first run``: one file staged, empty cache folder: HEAD and the staged state are both linted;
- ``hook, warm``: another change to that file staged; HEAD's findings and the parse cache are warm, so only the
  staged state is linted (the case a developer meets on every commit);
- ``hook, again``: the same staged state once more (a commit retried after another hook failed): nothing to lint.

Every hook run is checked: exit 0, no new finding, and as many findings already there as the plain lint finds.
Bytecode is compiled once into ``benchmarks/.work/pycache`` (``PYTHONPYCACHEPREFIX``), as an installed wheel has it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import cached  # noqa: E402
from run import Sample, kubelint_command, run_once  # noqa: E402

WORK = HERE / ".work"
TARGETS = {"hook, warm": "<= 1.0 s", "hook, first run": "<= 2x plain lint, first run"}
_IMAGE = re.compile(r"(image: registry\.example\.com/\S+:)\S+")


def repository(objects: int, work: Path = WORK) -> Path:
    """The synthetic tree of ``objects`` objects, committed once into a git repository under ``work``."""
    tree = cached(str(work / f"synthetic-{objects}"), objects)
    repo = work / f"hook-{objects}"
    stamp = repo / ".git" / "kubelint-bench"
    if stamp.exists() and stamp.read_text() == str(tree.objects):
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(tree.root, repo, ignore=shutil.ignore_patterns(".tree.json"))
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=b@example.com", "-c", "user.name=bench",
                                                   "commit", "-qm", "synthetic tree"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    stamp.write_text(str(tree.objects))
    return repo


def changed_file(repo: Path) -> str:
    """The file the runs change: an app of the last namespace (the deliberate mistakes are in the first ones)."""
    folders = sorted(path for path in repo.iterdir() if path.is_dir() and not path.name.startswith("."))
    for path in sorted(folders[-1].glob("*.yaml")):
        if "kind: Deployment" in path.read_text() and _IMAGE.search(path.read_text()):
            return str(path.relative_to(repo))
    raise SystemExit(f"no Deployment with an image in {folders[-1]}")


def stage_change(repo: Path, changed: str, number: int) -> None:
    """Stage a change to one Deployment that adds no finding (another image tag)."""
    subprocess.run(["git", "checkout", "-q", "HEAD", "--", changed], cwd=repo, check=True)
    path = repo / changed
    path.write_text(_IMAGE.sub(rf"\g<1>9.{number}.0", path.read_text(), count=1))
    subprocess.run(["git", "add", "--", changed], cwd=repo, check=True)


def reset(repo: Path, changed: str) -> None:
    subprocess.run(["git", "checkout", "-q", "HEAD", "--", changed], cwd=repo, check=True)


def lint(repo: Path, cache: str, hook: bool) -> Sample:
    report = os.path.join(cache, "report.json")
    command = [*kubelint_command(), "lint", *(["--hook"] if hook else ["."]), "--format", "json", "--output",
               report, "--timings", "--fail-on", "never", "--cache-dir", os.path.join(cache, "cache")]
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        sample = run_once(command)
    finally:
        os.chdir(cwd)
    if sample.status != 0:
        raise SystemExit(f"kubelint failed ({sample.status}): {sample.stderr[-2000:]}")
    with open(report, encoding="utf-8") as handle:
        sample.stdout = handle.read()
    return sample


def check_hook(sample: Sample, plain_findings: int, case: str) -> None:
    summary = json.loads(sample.stdout)["summary"]
    if summary["findings"] != 0 or summary.get("existing") != plain_findings:
        raise SystemExit(f"{case}: expected 0 new and {plain_findings} existing findings, got {summary}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=16000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=WORK, help="where trees are kept (default benchmarks/.work)")
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    repo = repository(args.objects, args.work)
    changed = changed_file(repo)
    samples: dict[str, list[Sample]] = {name: [] for name in
                                        ("plain lint, first run", "hook, first run", "hook, warm", "hook, again")}
    with tempfile.TemporaryDirectory(prefix="kubelint-hook-bench-") as work:
        warm = os.path.join(work, "warm")
        os.makedirs(warm)
        plain = lint(repo, warm, hook=False)  # also compiles bytecode and fills the warm parse cache
        plain_findings = json.loads(plain.stdout)["summary"]["findings"]
        check_hook(lint(repo, warm, hook=True), plain_findings, "priming")  # HEAD's findings, cached
        for number in range(args.runs):
            cold = tempfile.mkdtemp(dir=work)
            samples["plain lint, first run"].append(lint(repo, cold, hook=False))
            stage_change(repo, changed, 2 * number)
            cold = tempfile.mkdtemp(dir=work)
            samples["hook, first run"].append(lint(repo, cold, hook=True))
            stage_change(repo, changed, 2 * number + 1)
            samples["hook, warm"].append(lint(repo, warm, hook=True))
            samples["hook, again"].append(lint(repo, warm, hook=True))
            for case in ("hook, first run", "hook, warm", "hook, again"):
                check_hook(samples[case][-1], plain_findings, case)
            reset(repo, changed)
    load = os.getloadavg()
    print(f"{args.objects:,} objects requested; repository {repo}, {changed} changed; {args.runs} interleaved rounds; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} ({os.cpu_count()} cores, shared)")
    print(f"{'case':<24} {'median wall':>11} {'min':>7} {'max':>7} {'median cpu':>10}  stages (median s)")
    medians = {}
    for case, runs in samples.items():
        walls = [sample.wall for sample in runs]
        medians[case] = statistics.median(walls)
        stages = {name: statistics.median(s.stages.get(name, 0.0) for s in runs) for name in runs[0].stages}
        shown = "  ".join(f"{name} {value:.2f}" for name, value in stages.items() if value >= 0.01)
        print(f"{case:<24} {medians[case]:>10.2f}s {min(walls):>6.2f}s {max(walls):>6.2f}s "
              f"{statistics.median(s.cpu for s in runs):>9.2f}s  {shown}")
    ratio = medians["hook, first run"] / medians["plain lint, first run"]
    print(f"hook, first run / plain lint, first run: {ratio:.2f}x (target <= 2x); "
          f"hook, warm: {medians['hook, warm']:.2f} s (target <= 1.0 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
