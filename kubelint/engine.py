"""Run the enabled rules over a loaded tree and collect their findings into a report."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import field
from itertools import repeat
from typing import TYPE_CHECKING

from kubelint.allowance import cel_allowance
from kubelint.catalog import Rule, load_catalog
from kubelint.checks import registry
from kubelint.findings import MAX_MESSAGE, Finding, Location, Path, Severity, excerpt
from kubelint.loader import load_tree
from kubelint.model.resource import ObjectRef
from kubelint.model.tree import Tree
from kubelint.options import Options
from kubelint.records import record
from kubelint.sources.read import Source
from kubelint.timings import count, stage
from kubelint.timings import current as current_timings

if TYPE_CHECKING:
    from kubelint.baseline import Entry
    from kubelint.model.earlier import EarlierObjects


class UnknownRule(Exception):
    """A rule id or tag named in the options does not exist (a usage error; the message says which and
    suggests the nearest known one)."""


class UnknownProfile(Exception):
    """The profile named in the options is not the default and no rule joins it (a usage error)."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown profile {name!r} (known: {', '.join(known)})")
        self.name, self.known = name, known


@record
class Report:
    """The outcome of a run: findings (sorted), the rules that ran, and what was read."""

    findings: list[Finding]
    rules: Mapping[str, Rule]
    sources: dict[str, Source]
    objects: int
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    """Findings left out because the baseline records them (they neither show nor fail)."""
    existing: list[Finding] = field(default_factory=list)
    """With ``--new-since``: findings the earlier state already had (SARIF keeps them; they never fail the run)."""
    new_since: str | None = None
    """With ``--new-since``: how the earlier state was named (``origin/main``, ``HEAD``)."""
    single_object_rules: frozenset[str] = frozenset()
    """The rules whose checks looked at single objects in this run (see ``Tree.linted``)."""
    files: int | None = None
    """How many files were read, when ``sources`` holds only some of them."""

    @property
    def file_count(self) -> int:
        """How many files were read."""
        return len(self.sources) if self.files is None else self.files
    stale: list[Entry] = field(default_factory=list)
    """Baseline entries that no finding matched any more (fixed, or changed beyond recognition)."""
    held: list[Finding] = field(default_factory=list)
    """Findings the checks held back as uncertain, each with its reason (``-v`` lists them); never reported."""

    @property
    def active(self) -> list[Finding]:
        """The findings that are not suppressed."""
        return [finding for finding in self.findings if not finding.suppressed]

    def counts(self) -> Counter[Severity]:
        """How many active findings there are per severity."""
        return Counter(finding.severity for finding in self.active)

    def fails(self, threshold: Severity | None) -> bool:
        """Whether a finding reaches the fail threshold (None: never fail)."""
        return threshold is not None and any(finding.severity >= threshold for finding in self.active)


def select_rules(catalog: Mapping[str, Rule], options: Options) -> dict[str, Rule]:
    """The rules to run: enabled by default, by the profile or by ``options.enable``, minus ``options.disable``
    (ids, ``tag:`` entries or ``all``; see :mod:`kubelint.rule_selection`).

    A rule that lists the run's profile is enabled (as if on by default) and reported at least as a warning;
    an explicit ``options.severity`` for the rule wins over the profile, ``options.disable`` over both.
    """
    from dataclasses import replace

    from kubelint.catalog import DEFAULT_PROFILE, profiles
    from kubelint.rule_selection import unknown_entry, wanted

    for entry in [*options.enable, *options.disable]:
        problem = unknown_entry(entry, catalog)
        if problem is not None:
            raise UnknownRule(problem)
    for rule_id in options.severity:
        if rule_id not in catalog:
            raise UnknownRule(unknown_entry(rule_id, catalog) or rule_id)
    known = profiles(catalog)
    if options.profile not in known:
        raise UnknownProfile(options.profile, known)
    selected = {}
    for rule_id, rule in catalog.items():
        promoted = options.profile != DEFAULT_PROFILE and options.profile in rule.profiles
        if wanted(replace(rule, enabled=True) if promoted else rule, options.enable, options.disable):
            severity = options.severity.get(rule_id)
            if severity is None and promoted and rule.severity < Severity.WARNING:
                severity = Severity.WARNING
            selected[rule_id] = rule if severity is None else _with_severity(rule, severity)
    return selected


def _with_severity(rule: Rule, severity: Severity) -> Rule:
    from dataclasses import replace

    return replace(rule, severity=severity)


def run_rules(tree: Tree, rules: Iterable[Rule], single: set[str] | None = None) -> list[Finding]:
    """Run each rule's check and turn its hits into findings, sorted by place. The ids of rules whose check
    looked at single objects (read ``tree.linted``) are added to ``single``."""
    checks = registry()
    findings = []
    covered: list[tuple[Finding, tuple[tuple[str, Path, str], ...]]] = []
    full_messages: dict[int, str] = {}
    """Messages cut to MAX_MESSAGE, in full: what a covering finding's ending is compared with."""
    timings = current_timings()
    for rule in rules:
        started = time.perf_counter()
        tree.__dict__["linted_read"] = False
        for hit in checks[rule.check](tree, rule.params):
            severity = Severity(max(Severity.INFO, rule.severity - 1)) if hit.weaker else rule.severity
            finding = Finding(rule.id, severity, excerpt(hit.message, MAX_MESSAGE), _bounded(hit.location),
                              tuple(_bounded(related) for related in hit.related), held=hit.held)
            findings.append(finding)
            if hit.covers and not hit.held:
                covered.append((finding, hit.covers))
            if len(hit.message) > MAX_MESSAGE:
                full_messages[id(finding)] = hit.message
        if single is not None and tree.__dict__.get("linted_read"):
            single.add(rule.id)
        if timings is not None:
            timings.rules[rule.id] = timings.rules.get(rule.id, 0.0) + time.perf_counter() - started  # every unit
    if covered:
        findings = _without_covered(findings, covered, full_messages)
    findings.sort(key=Finding.sort_key)
    return findings


def _without_covered(findings: list[Finding], covered: list[tuple[Finding, tuple[tuple[str, Path, str], ...]]],
                     full_messages: dict[int, str]) -> list[Finding]:
    """Leave out findings another finding of the run already states (``Hit.covers``): same object, the covered
    rule, at the covered node or below it, with the covered message ending, and not more severe than the finding
    that covers it."""
    cover: dict[tuple[ObjectRef | None, str], list[tuple[Path, str, Severity]]] = {}
    for finding, entries in covered:
        for rule_id, path, ending in entries:
            cover.setdefault((finding.ref, rule_id), []).append((path, ending, finding.severity))

    def redundant(finding: Finding) -> bool:
        for path, ending, severity in cover.get((finding.ref, finding.rule), ()):
            if (finding.severity <= severity and finding.location.path[:len(path)] == path
                    and full_messages.get(id(finding), finding.message).endswith(ending)):
                return True
        return False

    return [finding for finding in findings if not redundant(finding)]


def _bounded(location: Location) -> Location:
    """A location whose message is at most :data:`MAX_MESSAGE` characters."""
    if len(location.message) <= MAX_MESSAGE:
        return location
    from dataclasses import replace

    return replace(location, message=excerpt(location.message, MAX_MESSAGE))


def merge_units(found: list[list[Finding]]) -> list[Finding]:
    """Findings of several units: the same finding at the same place from several units (a base that two
    overlays render) is reported once, naming every unit that produced it."""
    from dataclasses import replace

    merged: dict[tuple[str, str, str, int, int, str], Finding] = {}
    for findings in found:
        for finding in findings:
            key = (finding.rule, str(finding.severity), finding.file, finding.line, finding.column, finding.message)
            first = merged.get(key)
            if first is None:
                merged[key] = finding
            elif finding.location.via and finding.location.via not in first.location.via.split(", "):
                via = ", ".join(part for part in (first.location.via, finding.location.via) if part)
                merged[key] = replace(first, location=replace(first.location, via=via))
    return sorted(merged.values(), key=Finding.sort_key)


def own_findings(unit: Tree, findings: list[Finding]) -> list[Finding]:
    """A unit's findings about its own files (not about the objects of other units it only sees)."""
    files = unit.member_files
    return findings if files is None else [finding for finding in findings if finding.file in files]


def name_templates(findings: list[Finding], sources: Iterable[Source]) -> list[Finding]:
    """Findings in a file of ``helm template`` output keep the file's path and line; each also names the chart
    template its object came from, in the message and as a related location at the ``# Source:`` comment."""
    from dataclasses import replace

    from kubelint.sources.helm import template_at

    templates = {source.display: source.templates for source in sources if source.templates}
    if not templates:
        return findings
    out = []
    for finding in findings:
        template = template_at(templates[finding.file], finding.line) if finding.file in templates else None
        if template is not None:
            comment = Location(finding.file, template.comment_line, 1, finding.ref,
                               message=f"rendered from the helm template {template.name}")
            finding = replace(finding, message=f"{finding.message} (helm template {template.name})",
                              related=(*finding.related, comment))
        out.append(finding)
    return out


def lint_tree(tree: Tree, catalog: Mapping[str, Rule] | None = None, baseline: list[Entry] | None = None,
              units: list[Tree] | None = None) -> Report:
    """Run the selected rules over an already loaded tree (``baseline``: the entries, when already loaded;
    ``units``: the unit trees to check, when not all of ``tree.units()``)."""
    if catalog is None:
        catalog = load_catalog(tree.options.rule_dirs)
    rules = select_rules(catalog, tree.options)
    units = tree.units() if units is None else list(units)
    single: set[str] = set()
    with stage("rules"), cel_allowance(tree.options.cel_budget):
        if len(units) == 1 and units[0] is tree:
            findings = run_rules(tree, rules.values(), single)
        else:
            from kubelint.parallel_units import rules_in_workers

            def check(unit: Tree, single: set[str]) -> list[Finding]:
                findings = own_findings(unit, run_rules(unit, rules.values(), single))
                unit.analyses.clear()  # analyses refer to their tree: without this, only the cycle collector frees them
                if tree.options.freeze_heap:
                    _freeze_survivors()
                return findings

            # the first unit here: what its rules import and compile is then made once, not once per worker
            found = [check(units.pop(0), single)]
            checked = rules_in_workers(tree, units, check, single, tree.options.jobs)
            for own in repeat(None, len(units)) if checked is None else checked:
                unit = units.pop(0)  # each unit is freed once its rules ran
                found.append(check(unit, single) if own is None else own)
            findings = merge_units(found)
    findings = name_templates(findings, tree.sources)
    held = [finding for finding in findings if finding.held]
    if held:
        findings = [finding for finding in findings if not finding.held]
    from kubelint.suppress import suppress

    findings = suppress(findings, tree, rules, catalog)
    sources, resources, skipped = tree.sources, tree.resources, tree.skipped
    focus = tree.focus
    if focus is not None:  # context files inform the rules but are not reported on
        findings = [finding for finding in findings if finding.file in focus]
        held = [finding for finding in held if finding.file in focus]
        sources = [source for source in sources if source.display in focus]
        resources = [resource for resource in tree.resources if resource.file in focus]
        skipped = [entry for entry in skipped if entry[0] in focus]
    report = Report(findings, rules, {source.display: source for source in sources}, len(resources), skipped,
                    held=held, single_object_rules=frozenset(single))
    if baseline is None and tree.options.baseline is not None:
        from kubelint.baseline import load

        baseline = load(tree.options.baseline)
    if baseline is not None:
        apply_baseline(report, baseline, tree.options.source_root)
    return report


def _freeze_survivors() -> None:
    """Collect the garbage cycles of the unit just checked, then exempt what survives from later collections
    (``Options.freeze_heap``, a process that lints once): what the rules cache on resources (containers, ports,
    templates) lives to the end, and each automatic full collection walked all of it again (about 1.5 s of the
    rules stage at 100k objects); this way each object is walked about once."""
    import gc

    gc.collect()
    gc.freeze()


def apply_baseline(report: Report, entries: list[Entry], source_root: str = ".") -> None:
    """The baseline filter stage: move findings the baseline records out of ``report.findings``."""
    from kubelint.baseline import split

    report.findings, known, stale = split(report.findings, entries, source_root)
    report.baselined.extend(known)
    report.stale = stale


def lint_paths(paths: list[str], options: Options, earlier: EarlierObjects | None = None) -> Report:
    """Load the manifests under ``paths`` and lint them (``earlier``: the objects of the state compared with)."""
    with stage("catalog"):
        catalog = load_catalog(options.rule_dirs)
        select_rules(catalog, options)  # fail on unknown rule ids before reading anything
    baseline = None
    if options.baseline is not None:
        from kubelint.baseline import load
        from kubelint.sources.boundary import Boundary

        # and on an unusable baseline, or one that a symlink of the linted tree redirects out of it
        baseline = load(options.baseline, Boundary.around([*paths, *options.context_paths()]))
    with stage("load"):
        tree = load_tree(paths, options)
    tree.earlier = earlier
    count("files", len(tree.sources))
    count("objects", len(tree.resources))
    return lint_tree(tree, catalog, baseline)
