"""The loaded tree: sources, the resources in them, the run's options, and the deployable units."""

from __future__ import annotations

from dataclasses import field
from functools import cached_property
from typing import Any

from kubelint.model.earlier import EarlierObjects
from kubelint.model.resource import ObjectRef, Resource
from kubelint.model.units import resource_unit, unit_of
from kubelint.model.workloads import WorkloadKind, workload_table
from kubelint.options import Options
from kubelint.records import record
from kubelint.sources.read import Source


@record
class Tree:
    """Everything read from the paths: sources (with their problems) and the resources in them; or one unit
    of them (``members``) with the objects it may see.

    A Tree is data. Facts derived from it (the resource graph, NetworkPolicy reach, ...) are analyses
    (:mod:`kubelint.analysis`), computed on first use and kept in ``analyses``, one set per unit.
    """

    sources: list[Source]
    resources: list[Resource]
    options: Options
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    focus: frozenset[str] | None = None
    """With context paths: the files whose findings are reported (all others are context only)."""
    changed: frozenset[str] | None = None
    """Comparing with an earlier state (``--new-since``, the hook): the files that may have findings of their own
    that the earlier state lacks. Checks that look at one object at a time see only these files' objects; the
    other files' such findings are the earlier state's (see :mod:`kubelint.newsince`)."""
    members: frozenset[str] | None = None
    """The units this tree checks (keys, see :mod:`kubelint.model.units`); its other objects are only seen:
    they satisfy references and selectors but are not reported on. None: every object is its own."""
    label: str = ""
    """What the tree is, for pictures and messages (a unit's name); empty for a whole run."""
    earlier: EarlierObjects | None = field(default=None, repr=False, compare=False)
    """Comparing with an earlier state: its objects, the old objects of updates (CRD transition rules,
    admission policies' ``oldObject``); None: every object is created."""
    analyses: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Results of the analyses run on this tree, by analysis name (see :func:`kubelint.analysis.analysis`)."""

    @cached_property
    def by_ref(self) -> dict[ObjectRef, Resource]:
        """The first definition of each object (duplicates are a finding of their own)."""
        found: dict[ObjectRef, Resource] = {}
        for resource in self.resources:
            found.setdefault(resource.ref, resource)
        return found

    @property
    def linted(self) -> list[Resource]:
        """The resources whose own findings are reported: all of them, or with context only those of the
        focus files (and with ``changed`` only those of the changed files), and only the objects of the units
        this tree checks (``members``). Checks that look at one object at a time iterate these, and report only
        on the objects they iterate; relationship checks see every resource through the graph. Reading it marks
        the running rule as one that looks at single objects."""
        self.__dict__["linted_read"] = True
        linted: list[Resource] | None = self.__dict__.get("_linted")
        if linted is None:
            linted = self.resources
            if self.focus is not None:
                linted = [resource for resource in linted if resource.file in self.focus]
            if self.changed is not None:
                linted = [resource for resource in linted if resource.file in self.changed]
            if self.members is not None:
                linted = [resource for resource in linted if self.is_member(resource)]
            self.__dict__["_linted"] = linted
        return linted

    def units(self) -> list[Tree]:
        """The trees the rules run on, one per deployable unit (or batch of plain files) with the units it
        may see (see :mod:`kubelint.model.units`): objects of different units never conflict."""
        from kubelint.model.units import rule_units

        return rule_units(self)

    @cached_property
    def member_files(self) -> frozenset[str] | None:
        """The files of the units this tree checks (None: every file); findings elsewhere are not its own."""
        if self.members is None:
            return None
        return frozenset(source.display for source in self.sources if unit_of(source) in self.members)

    def is_member(self, resource: Resource) -> bool:
        """Whether a resource belongs to the units this tree checks (not one it only sees)."""
        members = self.members
        return members is None or resource_unit(resource) in members

    @cached_property
    def workloads(self) -> dict[tuple[str, str], WorkloadKind]:
        """Pod-creating custom kinds, ``(group, kind) -> entry``: the built-in table plus the configured ones."""
        return workload_table(self.options.workloads)
