"""Load a manifest tree: discover files, parse them with positions and build resources."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from kubelint.model import ObjectRef, Resource
from kubelint.objects import crd_scopes, resources_of
from kubelint.options import Options
from kubelint.progress import processing
from kubelint.sources.cache import ParseCache
from kubelint.sources.discover import Candidate, discover
from kubelint.sources.helm import is_helm_stream, split_helm_stream
from kubelint.sources.read import Source, load_source
from kubelint.timings import stage
from kubelint.workloads import WorkloadKind, workload_table

if TYPE_CHECKING:
    from kubelint.graph import ResourceGraph
    from kubelint.netpol import Network


@dataclass
class Tree:
    """Everything read from the paths: sources (with their problems) and the resources in them."""

    sources: list[Source]
    resources: list[Resource]
    options: Options
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    focus: frozenset[str] | None = None
    """With context paths: the files whose findings are reported (all others are context only)."""

    @cached_property
    def by_ref(self) -> dict[ObjectRef, Resource]:
        """The first definition of each object (duplicates are a finding of their own)."""
        found: dict[ObjectRef, Resource] = {}
        for resource in self.resources:
            found.setdefault(resource.ref, resource)
        return found

    @cached_property
    def linted(self) -> list[Resource]:
        """The resources whose own findings are reported: all of them, or with context only those of the
        focus files. Checks that look at one object at a time iterate these; relationship checks still see
        every resource through the graph."""
        if self.focus is None:
            return self.resources
        return [resource for resource in self.resources if resource.file in self.focus]

    def units(self) -> list[Tree]:
        """The tree split into deployable units by ``Source.via`` (each rendered Kustomize root is one; plain
        files are one together): objects of different units never meet in a rule."""
        vias = {source.via for source in self.sources}
        if len(vias) <= 1:
            return [self]
        units = []
        for via in sorted(vias):
            sources = [source for source in self.sources if source.via == via]
            files = {source.display for source in sources}
            units.append(Tree(sources, [resource for resource in self.resources if resource.via == via],
                              self.options, [entry for entry in self.skipped if entry[0] in files], self.focus))
        return units

    @cached_property
    def workloads(self) -> dict[tuple[str, str], WorkloadKind]:
        """Pod-creating custom kinds, ``(group, kind) -> entry``: the built-in table plus the configured ones."""
        return workload_table(self.options.workloads)

    @cached_property
    def graph(self) -> ResourceGraph:
        """The resource graph (pods by label, typed edges), built on first use."""
        from kubelint.graph import build_graph

        with stage("graph"):
            return build_graph(self)

    @cached_property
    def network(self) -> Network:
        """The NetworkPolicy analysis (isolation, peers, reach), built on first use; adds its edges to the graph."""
        from kubelint.netpol import build_network

        with stage("graph"):
            return build_network(self)


def candidates(
    paths: Iterable[str], options: Options, roots: list[str] | None = None
) -> tuple[list[Candidate], frozenset[str] | None]:
    """The files to read: those under ``paths``, then the context files not among them.

    Returns the candidates and, when there is context, the display names of the files under ``paths``.
    Kustomize roots met on the way are appended to ``roots`` (when rendering) instead of their files.
    """
    focus = list(discover(paths, options.exclude, roots))
    context_paths = options.context_paths()
    if not context_paths:
        return focus, None
    seen = {os.path.realpath(candidate.path) for candidate in focus}
    context = [c for c in discover(context_paths, options.exclude, roots) if os.path.realpath(c.path) not in seen]
    return focus + context, frozenset(candidate.display for candidate in focus)


def load_sources(files: Iterable[Candidate], options: Options, roots: list[str] | None = None) -> list[Source]:
    """Read and parse files (reusing cached parses of unchanged ones), split helm streams, render roots."""
    cache = ParseCache() if options.cache else None
    sources = []
    for candidate in files:
        with processing(candidate.display):
            source = load_source(candidate, options.max_file_size, cache)
        if is_helm_stream(source.text):
            with processing(candidate.display):
                sources.extend(split_helm_stream(source))
        else:
            sources.append(source)
    if roots:
        from kubelint.sources.render import render_kustomizations

        unique = list(dict.fromkeys(roots))
        sources.extend(render_kustomizations(unique, options.render_timeout, options.max_file_size,
                                             exclude=options.exclude))
    return sources


def build_tree(sources: list[Source], options: Options, focus: frozenset[str] | None = None) -> Tree:
    """Turn parsed sources into resources (CRDs in the tree decide the scope of their kinds)."""
    crds = crd_scopes(sources)
    resources: list[Resource] = []
    skipped: list[tuple[str, int, str]] = []
    for source in sources:
        with processing(source.display):
            found, passed = resources_of(source, options.namespace, crds)
        resources.extend(found)
        skipped.extend(passed)
    return Tree(sources, resources, options, skipped, focus)


def load_tree(paths: Iterable[str], options: Options) -> Tree:
    """Discover, parse and model the manifests under ``paths`` (and the context paths of ``options``)."""
    roots: list[str] | None = [] if options.render else None
    with without_cycle_collection():
        files, focus = candidates(paths, options, roots)
        return build_tree(load_sources(files, options, roots), options, focus)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Build the tree without Python's cycle collector, then exempt what was built from later collections.

    Parsing creates millions of small containers (a 100k-object tree: about 9 million) and no reference
    cycles. With the collector on, each full collection walks the whole growing heap again (about 2 s at
    100k objects, several times per load); afterwards every collection during the rules would walk it too.
    ``gc.freeze()`` moves the tree to the permanent generation: reference counting still frees it, only
    the cycle search skips it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
