"""Benchmark kubelint: wall time, objects/s, peak memory and time per stage, each run in a fresh process.

    python benchmarks/run.py            # every case, medians of several runs, ratios to the peers if installed
    python benchmarks/run.py --quick    # small trees, one run each: correctness only (CI), no timing verdicts
    python benchmarks/run.py --revision main   # the same cases for a wheel of another git revision

What is measured is kubelint as users run it: a wheel of the working tree (or of ``--revision``) installed
in a venv of its own, bytecode compiled (``benchmarks/install.py``); ``--kubelint`` names another executable,
``--quick`` uses the one beside this Python.

Cases: ``kubelint --version``; one file; the kube-prometheus manifests, a first run (``--no-cache``) and with
the parse cache warm; synthetic trees of 1k, 10k and 100k
objects (``benchmarks/generate.py``, cached under ``benchmarks/.work``). Every lint runs
``kubelint lint PATH --format json --timings`` in a new subprocess; wall time is measured around the
process, peak memory is the child's maximum resident set (``os.wait4`` rusage, i.e. getrusage of the
child), and stage times come from ``--timings`` on stderr. ``startup`` is wall time outside kubelint's
own clock: interpreter start, imports before the command runs, and exit.

Correctness is checked on every run: exit status, object and file counts, and for synthetic trees the
deliberate mistakes (each rule of theirs that is in the catalogue must fire exactly there and nowhere
else). A failed check exits 1; a missed target is reported, never an error.

The peers run in the same session, their runs interleaved with kubelint's, each from a venv of its own
(never a kubelint dependency), and are given as ratios (peer time / kubelint time): Checkov (``--checkov``,
default ``/work/venv/checkov/bin/checkov``) on the one file and kube-prometheus, and
``kubernetes-validate`` (``--kubernetes-validate``, default
``/work/venv/kubernetes-validate/bin/kubernetes-validate``) on the one file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import Tree, cached  # noqa: E402

ROOT = HERE.parent
CORPORA = Path(os.environ.get("KUBELINT_CORPORA", ROOT.parent.parent / "shared" / "corpora"))
if not CORPORA.is_dir():
    CORPORA = Path("/work/shared/corpora")
KUBE_PROMETHEUS = CORPORA / "kube-prometheus" / "manifests"
ONE_FILE = KUBE_PROMETHEUS / "grafana-deployment.yaml"
EXAMPLES = ROOT / "examples"
DEFAULT_CHECKOV = "/work/venv/checkov/bin/checkov"
DEFAULT_KUBERNETES_VALIDATE = "/work/venv/kubernetes-validate/bin/kubernetes-validate"


def _ratio(result: Result, peer: str, at_least: float) -> bool:
    ratio = result.ratios.get(peer)
    return ratio is None or ratio >= at_least


TARGETS = {
    "version": ("<= 0.08 s", lambda r: r.wall <= 0.08),
    "one-file": ("<= 0.35 s and faster than kubernetes-validate",
                 lambda r: r.wall <= 0.35 and _ratio(r, "kubernetes-validate", 1.0)),
    "kube-prometheus": ("<= 1.0 s and >= 30x faster than Checkov",
                        lambda r: r.wall <= 1.0 and _ratio(r, "Checkov", 30.0)),
    "kube-prometheus-warm": (">= 50x faster than Checkov", lambda r: _ratio(r, "Checkov", 50.0)),
    "synthetic-10k": ("<= 5 s", lambda r: r.wall <= 5.0),
    "synthetic-100k": ("<= 20 s, peak <= 1 GB, per object within 1.2x of 10k",
                       lambda r: r.wall <= 20.0 and r.peak_mb <= 1024 and (r.scaling or 0) <= 1.2),
}

_TIMINGS = re.compile(r"^kubelint: timings \(s\): (.*)$", re.MULTILINE)
_PAIR = re.compile(r"([a-z]+) (\d+\.\d+)")


class Failed(Exception):
    """A correctness check failed."""


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_kb: int
    status: int
    stdout: str
    stderr: str
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Result:
    case: str
    what: str
    runs: int
    wall: float
    walls: list[float]
    cpu: float
    peak_mb: float
    objects: int = 0
    files: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    peers: dict[str, float] = field(default_factory=dict)
    """Median wall time of each peer tool on the same input, same session."""
    ratios: dict[str, float] = field(default_factory=dict)
    """Peer time / kubelint time (higher: kubelint is faster)."""
    scaling: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.objects / self.wall if self.objects and self.wall else None


def run_once(command: list[str], cwd: str | None = None, env: dict[str, str] | None = None) -> Sample:
    """Run ``command`` in a fresh process; wall time around it, peak RSS from its rusage."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd,
                                   env=None if env is None else {**os.environ, **env})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    sample = Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode, stdout, stderr)
    found = _TIMINGS.search(stderr)
    if found:
        sample.stages = {name: float(value) for name, value in _PAIR.findall(found.group(1))}
    return sample


def measure(command: list[str], runs: int, env: dict[str, str] | None = None) -> list[Sample]:
    return [run_once(command, env=env) for _ in range(runs)]


@dataclass
class Peer:
    """Another tool run on the same input, interleaved with kubelint's runs."""

    name: str
    command: list[str]
    runs: int
    expect: str
    """Text its output must contain (it really checked the input)."""
    samples: list[Sample] = field(default_factory=list)

    def run(self) -> None:
        sample = run_once(self.command, cwd=tempfile.gettempdir())
        if sample.status not in (0, 1) or self.expect not in sample.stdout + sample.stderr:
            raise Failed(f"{self.name} exited {sample.status}: {(sample.stdout + sample.stderr).strip()[-800:]}")
        self.samples.append(sample)

    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def peak_mb(self) -> float:
        return max(s.peak_kb for s in self.samples) / 1024


def median_stages(samples: list[Sample]) -> dict[str, float]:
    names = [name for name in samples[0].stages]
    stages = {name: statistics.median(s.stages.get(name, 0.0) for s in samples) for name in names}
    if "total" in stages:
        stages["startup"] = statistics.median(s.wall - s.stages.get("total", 0.0) for s in samples)
    return stages


def summarize(case: str, what: str, samples: list[Sample]) -> Result:
    walls = [sample.wall for sample in samples]
    return Result(case, what, len(samples), statistics.median(walls), walls, statistics.median(s.cpu for s in samples),
                  max(sample.peak_kb for sample in samples) / 1024, stages=median_stages(samples))


# -- the cases ------------------------------------------------------------------------------------------


KUBELINT: list[str] = []
"""The kubelint command to measure (``--kubelint``); default: the one installed beside this Python."""


def kubelint_command() -> list[str]:
    if KUBELINT:
        return KUBELINT
    script = Path(sys.executable).parent / "kubelint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kubelint"]


def lint_command(path: Path | str, report: str, cache: bool = False, executable: str | None = None) -> list[str]:
    # --no-cache: every run parses every file, so the figures are those of a first (cold) run
    command = [executable] if executable else kubelint_command()
    return [*command, "lint", str(path), "--format", "json", "--output", report, "--timings",
            "--fail-on", "never", *([] if cache else ["--no-cache"])]


def check_report(sample: Sample, report: str, case: str) -> dict[str, Any]:
    if sample.status != 0:
        raise Failed(f"{case}: kubelint exited {sample.status}: {sample.stderr.strip()[-2000:]}")
    if not sample.stages:
        raise Failed(f"{case}: no --timings line on stderr: {sample.stderr.strip()[-500:]}")
    with open(report, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def case_version(runs: int) -> Result:
    samples = measure([*kubelint_command(), "--version"], runs)
    for sample in samples:
        if sample.status != 0 or not sample.stdout.startswith("kubelint "):
            raise Failed(f"version: exit {sample.status}, output {sample.stdout!r}")
    return summarize("version", "`kubelint --version`", samples)


def case_lint(case: str, what: str, path: Path, runs: int, workdir: str, peers: list[Peer] | None = None,
              cache_dir: str | None = None) -> tuple[Result, dict[str, Any]]:
    """Lint ``path`` ``runs`` times (with ``cache_dir``: a warm parse cache, filled by one run first), the
    peers' runs interleaved with kubelint's."""
    report = os.path.join(workdir, f"{case}.json")
    command = lint_command(path, report, cache=cache_dir is not None)
    env = {"KUBELINT_CACHE_DIR": cache_dir} if cache_dir is not None else None
    if cache_dir is not None:
        check_report(run_once(command, env=env), report, case)  # fills the cache
    samples: list[Sample] = []
    data: dict[str, Any] = {}
    for index in range(max([runs, *(peer.runs for peer in peers or [])])):
        if index < runs:
            samples.append(run_once(command, env=env))
            data = check_report(samples[-1], report, case)
        for peer in peers or []:
            if index < peer.runs:
                peer.run()
    result = summarize(case, what, samples)
    for peer in peers or []:
        result.peers[peer.name] = peer.median()
        result.ratios[peer.name] = peer.median() / result.wall
        result.notes.append(f"{peer.name} peak memory {peer.peak_mb():.0f} MB")
    result.objects = data["summary"]["objects"]
    result.files = data["summary"]["files"]
    if result.objects == 0:
        raise Failed(f"{case}: no objects read from {path}")
    return result, data


def per_object(result: Result) -> float:
    return sum(result.stages.get(name, 0.0) for name in ("load", "graph", "rules")) / result.objects


def check_synthetic(tree: Tree, data: dict[str, Any], case: str, rules: set[str]) -> list[str]:
    """The deliberate mistakes whose rules are in the catalogue fire exactly where expected."""
    summary = data["summary"]
    if summary["objects"] != tree.objects or summary["files"] != tree.files:
        raise Failed(f"{case}: read {summary['objects']} objects in {summary['files']} files, "
                     f"generated {tree.objects} in {tree.files}")
    notes = []
    missing = sorted({expected.rule for expected in tree.expected if expected.rule not in rules})
    if missing:
        notes.append("not checked (rule not in the catalogue yet): " + ", ".join(missing))
    wanted = {expected.rule for expected in tree.expected}
    found = [f for f in data["findings"] if f["rule"] in wanted]
    for expected in tree.expected:
        if expected.rule not in rules:
            continue
        hits = [f for f in found if f["rule"] == expected.rule and os.path.samefile(f["file"], expected.file)
                and expected.first_line <= f["line"] <= expected.last_line]
        if not hits:
            raise Failed(f"{case}: expected {expected.rule} at {expected.file}:{expected.first_line}-"
                         f"{expected.last_line} ({expected.what}); not found")
        for hit in hits:
            found.remove(hit)
    if found:
        extra = ", ".join(f"{f['rule']} at {f['file']}:{f['line']}" for f in found[:5])
        raise Failed(f"{case}: {len(found)} unexpected findings of the deliberate mistakes' rules: {extra}")
    others: dict[str, int] = {}
    for finding in data["findings"]:
        if finding["rule"] not in wanted:
            others[finding["rule"]] = others.get(finding["rule"], 0) + 1
    if others:  # the apps are meant to be clean: worth a look (a generator gap or a false positive)
        notes.append("other findings: " + ", ".join(f"{rule} x{n}" for rule, n in sorted(others.items())))
    return notes


def catalog_rules() -> set[str]:
    listing = subprocess.run([*kubelint_command(), "rules", "--format", "json"], capture_output=True, text=True)
    if listing.returncode == 0:
        try:
            return {rule["id"] for rule in json.loads(listing.stdout)}
        except (ValueError, KeyError, TypeError):
            pass
    # before ``kubelint rules`` exists: the catalogue as the package loads it
    code = "from kubelint.catalog import load_catalog; print('\\n'.join(load_catalog()))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(loaded.stdout.split())


def import_costs(command: list[str]) -> dict[str, float]:
    """Seconds spent importing each top-level package on the way of ``command`` (``python -X importtime``),
    counted where an import crosses into that package, so kubelint's own imports include their dependencies."""
    script = command[0]
    beside = Path(script).parent / "python"  # the interpreter of the script's own venv
    python = str(beside) if beside.exists() else sys.executable
    argv = [python, "-X", "importtime", *command] if script == sys.executable else \
        [python, "-X", "importtime", script, *command[1:]]
    done = subprocess.run(argv, capture_output=True, text=True)
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:") and "[us]" not in line]
    totals: dict[str, float] = {}
    stack: list[tuple[int, str]] = []
    for line in reversed(lines):  # parents come after their children: read backwards for pre-order
        _, cumulative, name = line.split("|")
        level = (len(name) - len(name.lstrip()) - 1) // 2
        root = name.strip().split(".")[0]
        while stack and stack[-1][0] >= level:
            stack.pop()
        if not stack or stack[-1][1] != root:
            totals[root] = totals.get(root, 0.0) + int(cumulative) / 1e6
        stack.append((level, root))
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def checkov(executable: str, path: Path, runs: int) -> Peer:
    """Checkov on a file or folder (``--skip-download``: it would try to reach its server otherwise)."""
    flag = "-f" if path.is_file() else "-d"
    return Peer("Checkov", [executable, flag, str(path), "--framework", "kubernetes", "--quiet", "--compact",
                            "--skip-download"], runs, "Check:")


def kubernetes_validate(executable: str, path: Path, runs: int) -> Peer:
    """``kubernetes-validate FILE``: the file's objects against the Kubernetes schemas."""
    return Peer("kubernetes-validate", [executable, str(path)], runs, str(path))


# -- reporting ------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "system": platform.platform(),
                            "cores": os.cpu_count(), "load average at start": os.getloadavg()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            models = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
        with open("/proc/meminfo", encoding="utf-8") as handle:
            total = next(line for line in handle if line.startswith("MemTotal"))
        info["memory"] = f"{int(total.split()[1]) / 1048576:.1f} GiB"
    except (OSError, StopIteration, IndexError):
        pass
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    info["kubelint commit"] = commit.stdout.strip() or "unknown"
    info["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    return info


STAGE_ORDER = ("startup", "catalog", "load", "graph", "rules", "report", "other")


def table(results: list[Result], quick: bool) -> str:
    header = ("| case | runs | median wall (s) | CPU (s) | objects | objects/s | peak MB | "
              + " | ".join(STAGE_ORDER) + " |")
    if not quick:
        header += " peers (s) | peer / kubelint | target | met |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in results:
        stages = " | ".join(f"{r.stages[name]:.3f}" if name in r.stages else "" for name in STAGE_ORDER)
        rate = f"{r.rate:,.0f}" if r.rate else ""
        row = (f"| {r.what} | {r.runs} | {r.wall:.3f} | {r.cpu:.3f} | {r.objects or ''} | {rate} | {r.peak_mb:.0f} "
               f"| {stages} |")
        if not quick:
            peers = ", ".join(f"{name} {seconds:.2f}" for name, seconds in r.peers.items())
            ratio = ", ".join(f"{name} {value:.1f}x" for name, value in r.ratios.items())
            target = TARGETS.get(r.case)
            met = ("yes" if target[1](r) else "**no**") if target else ""
            row += f" {peers} | {ratio} | {target[0] if target else ''} | {met} |"
        lines.append(row)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small trees, one run each, no peers (CI)")
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median; default 5)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic tree sizes (objects)")
    parser.add_argument("--big-runs", type=int, default=3, help="runs for trees of 50k objects and more")
    parser.add_argument("--checkov", default=DEFAULT_CHECKOV, help="Checkov executable ('' to skip)")
    parser.add_argument("--checkov-runs", type=int, default=3)
    parser.add_argument("--kubernetes-validate", default=DEFAULT_KUBERNETES_VALIDATE,
                        help="kubernetes-validate executable ('' to skip)")
    parser.add_argument("--workdir", default=str(HERE / ".work"), help="where synthetic trees are cached")
    parser.add_argument("--cases", default="", help="only these cases (comma-separated: version, one-file, "
                        "kube-prometheus (first run and warm), synthetic)")
    parser.add_argument("--revision", help="measure a wheel of this git revision (default: the working tree)")
    parser.add_argument("--kubelint", help="the kubelint executable to measure (default: a wheel of the working "
                        "tree installed in its own venv; with --quick the one beside this Python)")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    args = parser.parse_args()

    if args.kubelint:
        KUBELINT[:] = [args.kubelint]
    elif not args.quick:
        from install import install

        print(f"(installing a wheel of {args.revision or 'the working tree'} ...)", file=sys.stderr)
        KUBELINT[:] = [install(args.revision, args.workdir)]
    sizes = [150, 600] if args.quick else [int(size) for size in args.sizes.split(",") if size]
    runs = 1 if args.quick else args.runs
    scratch = tempfile.mkdtemp(prefix="kubelint-bench-")
    workdir = scratch if args.quick else args.workdir
    os.makedirs(workdir, exist_ok=True)
    info = machine()
    info["kubelint"] = f"{' '.join(kubelint_command())} ({args.revision or 'working tree'})"
    print("# kubelint benchmark" + (" (quick: correctness only)" if args.quick else ""))
    for key, value in info.items():
        print(f"- {key}: {value}")
    results: list[Result] = []
    only = [name for name in args.cases.split(",") if name]

    def wanted(case: str) -> bool:
        return not only or any(case.startswith(name) for name in only)

    try:
        if wanted("version"):
            results.append(case_version(runs))
        one = ONE_FILE if ONE_FILE.exists() else sorted(EXAMPLES.rglob("*.yaml"))[0]
        peers = not args.quick
        if wanted("one-file"):
            one_peers = []
            if peers and args.checkov and os.path.exists(args.checkov):
                one_peers.append(checkov(args.checkov, one, args.checkov_runs))
            if peers and args.kubernetes_validate and os.path.exists(args.kubernetes_validate):
                one_peers.append(kubernetes_validate(args.kubernetes_validate, one, runs))
            result, _ = case_lint("one-file", f"one file ({one.name})", one, runs, scratch, one_peers)
            costs = import_costs(lint_command(one, os.path.join(scratch, "imports.json")))
            result.notes.append("imports (one run, -X importtime): " + ", ".join(
                f"{name} {seconds:.3f} s" for name, seconds in list(costs.items())[:8] if seconds >= 0.002))
            results.append(result)
        if not wanted("kube-prometheus"):
            pass
        elif KUBE_PROMETHEUS.is_dir():
            kube_checkov = (checkov(args.checkov, KUBE_PROMETHEUS, args.checkov_runs)
                            if peers and args.checkov and os.path.exists(args.checkov) else None)
            result, _ = case_lint("kube-prometheus", "kube-prometheus/manifests, first run", KUBE_PROMETHEUS, runs,
                                  scratch, [kube_checkov] if kube_checkov else [])
            results.append(result)
            # the same tree with the parse cache warm (a developer's second run)
            cache_dir = os.path.join(scratch, "cache")
            result, _ = case_lint("kube-prometheus-warm", "kube-prometheus/manifests, parse cache warm",
                                  KUBE_PROMETHEUS, runs, scratch, cache_dir=cache_dir)
            if kube_checkov is not None:  # Checkov keeps no cache: its first-run figure, same session
                result.peers["Checkov"] = kube_checkov.median()
                result.ratios["Checkov"] = kube_checkov.median() / result.wall
            results.append(result)
        else:
            print(f"(skipped kube-prometheus: {KUBE_PROMETHEUS} not found)")
        rules = catalog_rules()
        measured: dict[int, Result] = {}
        for size in sizes if wanted("synthetic") else []:
            label = f"{size // 1000}k" if size % 1000 == 0 else str(size)
            started = time.perf_counter()
            tree = cached(os.path.join(workdir, f"synthetic-{size}"), size)
            made = time.perf_counter() - started
            count = args.big_runs if size >= 50_000 else runs
            result, data = case_lint(f"synthetic-{label}", f"synthetic {label} ({tree.bytes / 1e6:.0f} MB)",
                                     Path(tree.root), count, scratch)
            result.notes = check_synthetic(tree, data, result.case, rules)
            if made > 1:
                result.notes.append(f"tree generated in {made:.1f} s")
            # time per object in the stages that grow with the tree (1.0 = linear), relative to the 10k tree
            # for bigger trees (the target), else to the smallest
            base = measured.get(10_000) if size > 10_000 and 10_000 in measured else next(iter(measured.values()), None)
            measured[size] = result
            if base is not None:
                result.scaling = per_object(result) / per_object(base)
                wall = (result.wall / result.objects) / (base.wall / base.objects)
                result.notes.append(f"time per object (load + graph + rules) {result.scaling:.2f}x that of "
                                    f"{base.case} (wall time per object: {wall:.2f}x)")
            results.append(result)
            print(f"... {result.case}: {result.wall:.2f} s", file=sys.stderr)
    except Failed as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(table(results, args.quick))
    for result in results:
        for note in result.notes:
            print(f"- {result.case}: {note}")
    print(f"- load average at end: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": info, "quick": args.quick,
                       "results": [{**r.__dict__, "rate": r.rate} for r in results]}, handle, indent=1)
    print("\nbenchmark: ok (all correctness checks passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
