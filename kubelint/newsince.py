"""New findings relative to a git revision: the filter stage behind ``--new-since REF`` and the pre-commit hook.

The tree at the revision is read from git's objects (:mod:`kubelint.sources.snapshot`) and linted with the same
options; its findings are cached by content (:mod:`kubelint.findings_cache`). A finding of the current tree is
*new* when the earlier tree has no finding with the same fingerprint (the baseline's recipe: rule, object, path
in the object, message without numbers; files renamed since keep their findings). New findings are reported and
decide the exit code; the others are *existing*: counted, and kept in SARIF.

The hook compares the index (what the commit records) with ``HEAD``. Only what the commit changes is linted
again object by object: checks that look at single objects (see ``Tree.linted``) run on the files the commit
changes (and on every file a changed Kustomize root renders), relationship checks on the whole tree; the single
-object findings of the other files are those of ``HEAD``, which are the same because those files are.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from kubelint.baseline import Entry
from kubelint.engine import Report, apply_baseline, lint_tree
from kubelint.findings import Finding
from kubelint.findings_cache import StateFindings, open_findings_cache, state_key
from kubelint.model.earlier import EarlierObjects
from kubelint.model.resource import Resource
from kubelint.model.tree import Tree
from kubelint.model.units import Change as UnitChange
from kubelint.model.units import units_a_change_affects
from kubelint.options import Options
from kubelint.sources.discover import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES
from kubelint.sources.git import Change, GitError, Snapshot, repository
from kubelint.sources.snapshot import Layout, Loaded, Parsed, kustomization_strings, kustomize_inputs
from kubelint.timings import count, stage

__all__ = ["GitError", "lint_new_since", "lint_staged"]


def lint_new_since(paths: list[str], options: Options, revision: str) -> Report:
    """Lint ``paths`` in the working tree and keep as findings only those the tree at ``revision`` lacks."""
    from kubelint.engine import lint_paths

    repo = repository(".")
    earlier = repo.tree(revision)
    parsed: Parsed = {}  # files parsed for the earlier objects (when a check asks for them), reused for its lint
    report = lint_paths(paths, options, _earlier_objects(earlier, revision, paths, options, parsed))
    base = _state(earlier, paths, options, parsed)
    renames = _renames(repo.diff(earlier))
    return _keep_new(report, [(base.findings, renames)], Layout(earlier), options, revision)


def lint_staged(options: Options, revision: str = "HEAD") -> Report:
    """The pre-commit gate: lint what the index would commit and keep the findings ``revision`` (HEAD) lacks.

    Run by pre-commit for a range (``pre-commit run --from-ref A --to-ref B``, a pre-push hook), it compares the
    trees of those two revisions instead."""
    repo = repository(".")
    from_ref, to_ref = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref and options.new_since is None and from_ref.strip("0"):
        staged, revision = repo.tree(to_ref), from_ref
        earlier = repo.tree(from_ref)
    else:
        staged = repo.index()
        earlier = repo.tree(revision) if revision != "HEAD" or repo.has_commits() else repo.empty(revision)
    paths = options.context_paths() or ["."]
    # new_since tells the checks the run compares with an earlier tree (reach-opened-to-outside speaks only then)
    lint_options = replace(options, context=[], hook=False, new_since=options.new_since or revision)
    with stage("load"):
        changes = repo.diff(earlier, staged)
    layout = Layout(staged)
    parsed: Parsed = {}  # files parsed for HEAD's lint, reused for the staged state's
    base = _state(earlier, paths, lint_options, parsed)
    renames = _renames(changes)
    current = _staged_state(earlier, staged, changes, base, paths, lint_options, layout, parsed, revision)
    report = current if isinstance(current, Report) else _from_state(current, staged, layout, lint_options)
    apply_baseline_file(report, options)
    earlier_states = [(base.findings, renames)]
    merging = repo.merge_head() if staged.tree_id is None else None
    if merging is not None:  # a merge commit: what either parent has is not new
        other = repo.tree(merging)
        earlier_states.append((_state(other, paths, lint_options, parsed).findings,
                               _renames(repo.diff(other, staged))))
    return _keep_new(report, earlier_states, layout, options, revision)


def _earlier_objects(snapshot: Snapshot, revision: str, paths: list[str], options: Options,
                     parsed: Parsed) -> EarlierObjects:
    """The objects of the earlier state, read from git when a check first asks for one."""
    def load() -> list[Resource]:
        from kubelint.loader import load_snapshot_tree

        with stage("load"):
            return load_snapshot_tree(snapshot, paths, options, parsed)[0].resources

    return EarlierObjects(revision, load)


def _renames(changes: Iterable[Change]) -> dict[str, str]:
    return {change.old_path: change.path for change in changes if change.status == "R" and change.old_path}


def _state(snapshot: Snapshot, paths: list[str], options: Options, parsed: Parsed | None = None) -> StateFindings:
    """Every finding of a tree state (from the cache when it was linted before with the same settings)."""
    cache = open_findings_cache(options)
    key = state_key(snapshot.key(), paths, options)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        count("cached states", 1)
        return found
    report, _ = _lint_snapshot(snapshot, paths, options, parsed)
    state = StateFindings(report.findings, report.single_object_rules, len(report.sources), report.objects)
    if cache is not None:
        cache.put(key, state)
    return state


def _lint_snapshot(snapshot: Snapshot, paths: list[str], options: Options,
                   parsed: Parsed | None = None) -> tuple[Report, Loaded]:
    from kubelint.loader import load_snapshot_tree

    with stage("load"):
        tree, loaded = load_snapshot_tree(snapshot, paths, options, parsed)
    return lint_tree(tree, baseline=[]), loaded


def _staged_state(earlier: Snapshot, staged: Snapshot, changes: list[Change], base: StateFindings,
                  paths: list[str], options: Options, layout: Layout, parsed: Parsed,
                  revision: str = "HEAD") -> StateFindings | Report:
    """The findings of the staged state: cached, the earlier state's when nothing linted changed, or linted
    again where the change can have an effect (a :class:`Report`, with the staged sources for excerpts)."""
    from kubelint.loader import load_snapshot_tree

    cache = open_findings_cache(options)
    # its transition findings (oldSelf, oldObject) depend on the earlier state too
    key = state_key(f"{staged.key()} since {earlier.key()}", paths, options)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        count("cached states", 1)
        return found
    touched = {path for change in changes for path in (change.path, change.old_path) if path is not None}
    if not _relevant(touched, earlier, staged):
        return base
    with stage("load"):
        tree, loaded = load_snapshot_tree(staged, paths, options, parsed)
        tree.earlier = _earlier_objects(earlier, revision, paths, options, parsed)
        if not _defines_kinds(touched, earlier, staged):  # else every custom resource may read differently
            tree.changed = _changed_files(loaded, touched, layout, tree)
    units, unchanged = None, frozenset[str]()
    if tree.changed is not None:  # only the units the change can affect are checked again
        units, unchanged = units_a_change_affects(tree, UnitChange(tree.changed, _folders(touched, layout)))
        count("units checked", len(units))
    report = lint_tree(tree, baseline=[], units=units)
    single = base.single_object_rules | report.single_object_rules
    if tree.changed is not None:
        again = {layout.repo_path(display) for display in tree.changed} | touched
        kept = [finding for finding in base.findings if finding.file in unchanged
                or (finding.rule in single and layout.repo_path(finding.file) not in again)]
        report.findings = sorted([*report.findings, *kept], key=Finding.sort_key)
    report.single_object_rules = frozenset(single)
    if cache is not None:
        cache.put(key, StateFindings(report.findings, report.single_object_rules, len(report.sources),
                                     report.objects))
    return report


def _folders(touched: set[str], layout: Layout) -> frozenset[str]:
    """The folders of the touched repository paths, absolute as :mod:`kubelint.model.units` makes homes (from
    display names, which are relative to the current folder)."""
    return frozenset(os.path.abspath(os.path.relpath(path.rpartition("/")[0] or ".", layout.here or "."))
                     for path in touched)


def _relevant(touched: set[str], earlier: Snapshot, staged: Snapshot) -> bool:
    """Whether a change can change findings: a manifest, a kustomization, a symlink, or a file a Kustomize root
    reads (its generators' files) changed."""
    for path in touched:
        name = path.rpartition("/")[2]
        if name.endswith(MANIFEST_SUFFIXES) or name in KUSTOMIZATION_FILES:
            return True
        for snapshot in (earlier, staged):
            entry = snapshot.entries.get(path)
            if entry is not None and entry.is_symlink:
                return True
    for snapshot in (earlier, staged):
        strings = kustomization_strings(snapshot)
        for kustomization in strings:
            inputs = kustomize_inputs(snapshot, kustomization.rpartition("/")[0], strings)
            if any(inputs.touches(path) for path in touched):
                return True
    return False


def _defines_kinds(touched: set[str], earlier: Snapshot, staged: Snapshot) -> bool:
    """Whether a changed file defines (or defined) a CustomResourceDefinition."""
    for snapshot in (earlier, staged):
        paths = [path for path in touched if path.endswith(MANIFEST_SUFFIXES)]
        sizes = snapshot.sizes(paths)
        small = [path for path in paths if sizes.get(path, 0) <= 64 * 1024 * 1024]
        if any(b"CustomResourceDefinition" in data for data in snapshot.read(small).values()):
            return True
    return False


def _changed_files(loaded: Loaded, touched: set[str], layout: Layout, tree: Tree) -> frozenset[str]:
    """The display names whose objects are checked one by one again: files the change touched, every file a
    touched Kustomize root (or helm stream) renders, and objects managed by a controller (cluster dumps)."""
    touched_units = {via for via, inputs in loaded.inputs.items() if any(inputs.touches(path) for path in touched)}
    changed: set[str] = set()
    for source in loaded.sources:
        path = loaded.repo_paths.get(source.display) or layout.repo_path(source.display)
        via_path = layout.repo_path(source.via) if source.via else None
        if path in touched or source.via in touched_units or (via_path is not None and via_path in touched):
            changed.add(source.display)
    changed.update(resource.file for resource in tree.resources if resource.controller is not None)
    return frozenset(changed)


def _from_state(state: StateFindings, staged: Snapshot, layout: Layout, options: Options) -> Report:
    """A report of a state's findings known without linting it; the files of its findings are read again for the
    text format's excerpts."""
    from kubelint.catalog import load_catalog
    from kubelint.engine import select_rules
    from kubelint.sources.read import Source, decode

    files = {finding.file for finding in state.findings}
    paths = {file: layout.repo_path(file) for file in files}
    blobs = staged.read(path for path in paths.values() if path is not None)
    sources = {}
    for file, path in paths.items():
        text, _ = decode(blobs.get(path or "", b""))
        sources[file] = Source(file, text or "")
    return Report(list(state.findings), select_rules(load_catalog(options.rule_dirs), options), sources,
                  state.objects, single_object_rules=state.single_object_rules, files=state.files)


def _keep_new(report: Report, earlier: Iterable[tuple[list[Finding], dict[str, str]]], layout: Layout,
              options: Options, revision: str) -> Report:
    """Split the report's findings into new ones (kept) and those an earlier state had (``report.existing``).
    ``earlier``: the findings of each earlier state with the renames from it to the current one."""
    from kubelint.baseline import entry_of, split

    root = layout.snapshot.repo.root
    here = os.path.join(root, layout.here)
    new, old = report.findings, []
    for findings, renames in earlier:
        def moved(finding: Finding, renames: dict[str, str] = renames) -> Finding:
            path = layout.repo_path(finding.file)
            if path not in renames:
                return finding
            shown = os.path.relpath(os.path.join(root, renames[path]), here)
            return replace(finding, location=replace(finding.location, file=shown))

        entries = [entry_of(moved(finding), options.source_root) for finding in findings if not finding.suppressed]
        new, known, unmatched = split(new, entries, options.source_root)
        new, also = _same_node(new, unmatched)
        old += [*known, *also]
    report.findings = new
    report.existing = sorted(old, key=Finding.sort_key)
    report.new_since = revision
    return report


def _same_node(findings: list[Finding], unmatched: list[Entry]) -> tuple[list[Finding], list[Finding]]:
    """Second pass for findings about objects: the same rule on the same node of the same object is the same
    problem, even when its message changed (a namespace's default-deny finding names its workloads, and a
    commit adding or removing one changes that list). Findings about files must match exactly: a second YAML
    error in a file is a new one."""
    from kubelint.findings import dotted

    left: dict[tuple[str, str, str], int] = {}
    for entry in unmatched:
        if entry.object:
            key = (entry.rule, entry.object, entry.path)
            left[key] = left.get(key, 0) + 1
    new, old = [], []
    for finding in findings:
        ref = finding.ref
        node = (finding.rule, str(ref), dotted(finding.location.path))
        if ref is not None and not finding.suppressed and left.get(node, 0) > 0:
            left[node] -= 1
            old.append(finding)
        else:
            new.append(finding)
    return new, old


def apply_baseline_file(report: Report, options: Options) -> None:
    """Apply ``options.baseline`` to a report built without it."""
    if options.baseline is None:
        return
    from kubelint.baseline import load

    apply_baseline(report, load(options.baseline), options.source_root)
