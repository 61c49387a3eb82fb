"""Deployable units: which objects are applied together, and which other objects a unit may see.

A unit is what a user applies in one go, so objects of two units never conflict (``duplicate-object``) and a
rule checks each unit on its own:

- a rendered Kustomize root (``kubectl apply -k``), closed: it sees only itself;
- the output of one ``helm template`` release, closed: piped on stdin, one file holding the stream, or the
  files ``helm template --output-dir`` wrote (each file's path ends with its ``# Source:`` template, and the
  release is the folder above them plus the chart);
- a plain file (``kubectl apply -f file``), open: it is applied on top of what is beside it, so its rules may
  see the objects of every unit whose home folder is its folder, one above it or one below it (a Service in a
  plain file may select the pods of the Kustomize root in its folder). Files in a Kustomize folder that no
  kustomization names are plain files too: separate examples or alternatives, not part of the render;
- a configured unit (``units:`` in ``.kubelint.yaml``), open: plain files (or helm output files) the user
  applies together, such as a folder applied with ``kubectl apply -f folder/``.

Seeing is not belonging: an object a unit only sees is never reported there and never duplicates one of the
unit's own. :func:`rule_units` turns a tree into the trees the rules run on, one per closed or configured
unit, and one per batch of plain files of a folder (files of one folder see the same units, so they are
checked together unless two of them define the same object).
"""

from __future__ import annotations

import bisect
import fnmatch
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kubelint.records import record

if TYPE_CHECKING:
    from kubelint.model.resource import ObjectRef, Resource
    from kubelint.model.tree import Tree
    from kubelint.sources.read import Source

KUSTOMIZE = "kustomize"
HELM = "helm"
HELM_RELEASE = "helm-release"
FILE = "file"
CONFIGURED = "config"
STDIN = "stdin"
OPEN_KINDS = frozenset({FILE, CONFIGURED})
"""Units applied on top of what is beside them: they see the units around them."""
CONFIGURABLE_KINDS = frozenset({FILE, HELM, HELM_RELEASE})
"""Units that ``units:`` in the configuration may regroup (what a render produced stays with its render)."""
STDIN_KEY = f"{STDIN}:-"


@record(frozen=True)
class UnitSpec:
    """One ``units:`` entry of the configuration: globs relative to ``base`` (the configuration's folder).

    Without a ``name``, every file or folder a glob matches is a unit of its own (``examples/*``: one unit per
    example folder); with a name, everything the globs match is one unit."""

    globs: tuple[str, ...]
    name: str | None = None
    base: str = "."


def key(kind: str, name: str) -> str:
    """A unit's key: its kind and what names it (``kustomize:overlays/prod``, ``file:k8s/app.yaml``)."""
    return f"{kind}:{name}"


def kind_of(unit: str) -> str:
    """The kind of a unit key."""
    return unit.partition(":")[0]


def unit_of(source: Source) -> str:
    """The unit of a source: as the loader assigned it, else the file on its own."""
    return source.unit or key(FILE, source.display)


def resource_unit(resource: Resource) -> str:
    """The unit of a resource (see :func:`unit_of`)."""
    return resource.unit or key(FILE, resource.file)


def describe(unit: str) -> str:
    """A unit for people: ``Kustomize root overlays/prod``, ``file k8s/app.yaml``."""
    kind, _, name = unit.partition(":")
    if kind == HELM_RELEASE:
        root, _, chart = name.rpartition(":")
        return f"helm release of chart {chart} in {root or '.'}"
    return {KUSTOMIZE: "Kustomize root ", HELM: "helm template output ", FILE: "file ",
            CONFIGURED: "configured unit ", STDIN: "standard input"}.get(kind, "") + ("" if kind == STDIN else name)


# assigning units while loading --------------------------------------------------------------------------


def helm_unit(display: str, templates: Sequence[str]) -> str:
    """The unit of a ``helm template`` output file: its release when the file sits where ``--output-dir`` put
    it (its path ends with its only template's name), else the file itself (a stream)."""
    names = set(templates)
    if len(names) == 1:
        template = next(iter(names))
        path = display.replace(os.sep, "/")
        if path == template or path.endswith("/" + template):
            root = path[: len(path) - len(template)].rstrip("/")
            return key(HELM_RELEASE, f"{root}:{template.split('/')[0]}")
    return key(HELM, display)


def assign_configured(sources: Iterable[Source], specs: Sequence[UnitSpec]) -> None:
    """Regroup plain files and helm output files into the units the configuration names (first match wins)."""
    if not specs:
        return
    for source in sources:
        if source.display == "-" or kind_of(unit_of(source)) not in CONFIGURABLE_KINDS:
            continue
        for spec in specs:
            anchor = _anchor(source.display, spec)
            if anchor is not None:
                source.unit = key(CONFIGURED, spec.name if spec.name is not None else anchor)
                break


def _anchor(display: str, spec: UnitSpec) -> str | None:
    """The shortest leading part of ``display`` (relative to the spec's base) that one of its globs matches."""
    relative = os.path.relpath(os.path.abspath(display), os.path.abspath(spec.base)).replace(os.sep, "/")
    if relative == ".." or relative.startswith("../"):
        return None
    parts = relative.split("/")
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        for glob in spec.globs:
            pattern = glob.replace(os.sep, "/").removeprefix("./").rstrip("/") or "."
            if fnmatch.fnmatchcase(prefix, pattern) or pattern == ".":
                return os.path.normpath(os.path.join(spec.base, prefix)) if pattern != "." else spec.base
    return None


# splitting a tree ---------------------------------------------------------------------------------------


def _home(unit: str, sources: list[Source]) -> str:
    """The folder a unit lives in (absolute): where its visibility is measured from."""
    kind, _, name = unit.partition(":")
    if kind == KUSTOMIZE:
        return os.path.abspath(name)
    if kind == HELM_RELEASE:
        return os.path.abspath(name.rpartition(":")[0] or ".")
    if kind in (HELM, FILE):
        return os.path.dirname(os.path.abspath(name))
    if kind == CONFIGURED and sources:
        folders = [os.path.dirname(os.path.abspath(source.display)) for source in sources if source.display != "-"]
        return os.path.commonpath(folders) if folders else os.path.abspath(".")
    return os.path.abspath(".")


def beside(home: str, other: str) -> bool:
    """Whether two homes are one folder, or one lies inside the other."""
    return home == other or other.startswith(home.rstrip(os.sep) + os.sep) or home.startswith(
        other.rstrip(os.sep) + os.sep)


class _Beside:
    """The units whose home is beside a given home (:func:`beside`), in the order of ``homes``, found through an
    index of the homes (ancestors by walking up, descendants by a range of the sorted homes) rather than by
    comparing every pair: a repository of 2,000 plain files is 2,000 units."""

    def __init__(self, homes: dict[str, str]) -> None:
        self.order = {unit: index for index, unit in enumerate(homes)}
        self.by_home: dict[str, list[str]] = {}
        for unit, home in homes.items():
            self.by_home.setdefault(home, []).append(unit)
        self.sorted = sorted(self.by_home)
        self.found: dict[str, list[str]] = {}

    def units(self, home: str) -> list[str]:
        found = self.found.get(home)
        if found is None:
            found = list(self.by_home.get(home, ()))
            above = home
            while (parent := os.path.dirname(above)) != above:
                above = parent
                found += self.by_home.get(above, ())
            prefix = home.rstrip(os.sep) + os.sep
            for other in self.sorted[bisect.bisect_left(self.sorted, prefix):]:
                if not other.startswith(prefix):
                    break
                if other != home:  # the root folder is its own prefix
                    found += self.by_home[other]
            found.sort(key=self.order.__getitem__)
            self.found[home] = found
        return found


def rule_units(tree: Tree) -> list[Tree]:
    """The trees the rules run on: each closed or configured unit with what it may see, and the plain files of
    each folder in batches (no two files of a batch define the same object). Units without a file the run
    reports on (``tree.focus``) are left out: they are context only."""
    return [unit for unit, _ in _unit_trees(tree)]


@record(frozen=True)
class Change:
    """What a change to a tree touched, seen from the tree after it (the pre-commit gate)."""

    files: frozenset[str]
    """Display names of the files whose objects may differ: changed or added files, and every file a changed
    Kustomize root (or helm stream) renders."""
    folders: frozenset[str]
    """Absolute folders that hold a path the change touched (added, removed, renamed from or to, modified)."""


def units_a_change_affects(tree: Tree, change: Change) -> tuple[list[Tree], frozenset[str]]:
    """The trees of :func:`rule_units` that ``change`` can give other findings, and the files of the units left
    out (their findings are those of the tree before the change).

    A unit's findings depend only on the objects of its tree (its members and the units it sees), so a unit is
    checked again when a file of its tree is in ``change.files``, when a touched folder is beside its home (a file
    removed there was seen by it, batched with its files or part of it), or when it shares a file with a unit
    checked again (a base two overlays render: its findings are merged from both)."""
    planned = _unit_trees(tree)
    if len(planned) == 1 and planned[0][0] is tree:
        return [tree], frozenset()
    folders = sorted(change.folders)
    again = [any(source.display in change.files for source in unit.sources)
             or any(beside(home, folder) for folder in folders)
             for unit, home in planned]
    files = [unit.member_files or frozenset() for unit, _ in planned]
    checked = frozenset().union(*(files[i] for i, yes in enumerate(again) if yes))
    grown = True
    while grown:  # units sharing a file with a unit checked again are checked again too
        grown = False
        for i, yes in enumerate(again):
            if not yes and files[i] & checked:
                again[i], grown = True, True
                checked |= files[i]
    left = frozenset().union(*(files[i] for i, yes in enumerate(again) if not yes))
    return [unit for (unit, _), yes in zip(planned, again, strict=True) if yes], left - checked


def _unit_trees(tree: Tree) -> list[tuple[Tree, str]]:
    """:func:`rule_units` with the home folder of each (of its first member unit)."""
    from kubelint.model.tree import Tree

    groups: dict[str, list[Source]] = {}
    for source in tree.sources:
        groups.setdefault(unit_of(source), []).append(source)
    if len(groups) <= 1:
        return [(tree, "")]
    objects: dict[str, list[Resource]] = {unit: [] for unit in groups}
    for resource in tree.resources:
        objects.setdefault(resource_unit(resource), []).append(resource)
    homes = {unit: _home(unit, sources) for unit, sources in groups.items()}
    evaluations: list[tuple[list[str], str]] = []  # (member units, label)
    plain: dict[str, list[str]] = {}
    for unit in groups:
        if kind_of(unit) == FILE:
            plain.setdefault(homes[unit], []).append(unit)
        else:
            evaluations.append(([unit], unit))
    for home, units in plain.items():
        for batch in _batches(units, objects):
            evaluations.append((batch, batch[0] if len(batch) == 1 else key(FILE, home)))
    near = _Beside(homes)
    context: list[str] = []
    if tree.focus is not None and tree.options.context:  # named context: applied before, every unit sees it
        context = [unit for unit, sources in groups.items() if not any(s.display in tree.focus for s in sources)]
    elif tree.focus is not None and tree.options.policies:  # --policies: every unit is admitted through them
        context = [unit for unit, sources in groups.items()
                   if not any(s.display in tree.focus for s in sources)
                   and any(_under(s.display, tree.options.policies) for s in sources)]
    out = []
    for members, label in sorted(evaluations, key=lambda evaluation: evaluation[0][0]):
        files = {source.display for unit in members for source in groups[unit]}
        if tree.focus is not None and not files & tree.focus:
            continue
        seen = [unit for unit in context if unit not in members]
        home = homes[members[0]]
        if kind_of(members[0]) in OPEN_KINDS:
            seen += [unit for unit in near.units(home) if unit not in members and unit not in seen]
        sources = [source for unit in (*members, *seen) for source in groups[unit]]
        resources = [resource for unit in (*members, *seen) for resource in objects.get(unit, ())]
        skipped = [entry for entry in tree.skipped if entry[0] in files]
        out.append((Tree(sources, resources, tree.options, skipped, tree.focus, tree.changed,
                         members=frozenset(members), label=label, earlier=tree.earlier), home))
    return out


def _batches(units: list[str], objects: dict[str, list[Resource]]) -> list[list[str]]:
    """Plain-file units of one folder in groups that define no object twice (first fit, in order)."""
    batches: list[tuple[list[str], set[ObjectRef]]] = []
    for unit in units:
        refs = {resource.ref for resource in objects.get(unit, ())}
        for members, defined in batches:
            if not refs & defined:
                members.append(unit)
                defined |= refs
                break
        else:
            batches.append(([unit], set(refs)))
    return [members for members, _ in batches]


def drawn_units(tree: Tree) -> list[Tree]:
    """The units ``kubelint graph`` draws: each closed unit, and the open ones (plain files, configured units)
    together as one picture, as they would be seen from a folder above them all."""
    from kubelint.model.tree import Tree

    groups: dict[str, list[Source]] = {}
    for source in tree.sources:
        unit = unit_of(source)
        groups.setdefault("" if kind_of(unit) in OPEN_KINDS else unit, []).append(source)
    if len(groups) <= 1:
        return [tree]
    out = []
    for unit, sources in groups.items():
        members = {unit_of(source) for source in sources}
        resources = [resource for resource in tree.resources if resource_unit(resource) in members]
        files = {source.display for source in sources}
        out.append(Tree(sources, resources, tree.options, [e for e in tree.skipped if e[0] in files], tree.focus,
                        tree.changed, members=frozenset(members), label=unit.partition(":")[2] if unit else ""))
    return out


def _under(path: str, folders: list[str]) -> bool:
    """Whether ``path`` is one of ``folders`` or inside one (real paths compared)."""
    real = os.path.realpath(path)
    for folder in folders:
        top = os.path.realpath(folder)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False
