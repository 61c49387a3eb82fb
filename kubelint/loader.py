"""Load a manifest tree: discover files, parse them with positions and build resources."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from kubelint.model import ObjectRef, Resource
from kubelint.objects import crd_scopes, resources_of
from kubelint.options import Options
from kubelint.progress import processing
from kubelint.sources.cache import ParseCache
from kubelint.sources.discover import Candidate, discover
from kubelint.sources.read import Source, load_source


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

def candidates(paths: Iterable[str], options: Options) -> tuple[list[Candidate], frozenset[str] | None]:
    """The files to read: those under ``paths``, then the context files not among them.

    Returns the candidates and, when there is context, the display names of the files under ``paths``.
    """
    focus = list(discover(paths, options.exclude))
    context_paths = options.context_paths()
    if not context_paths:
        return focus, None
    seen = {os.path.realpath(candidate.path) for candidate in focus}
    context = [c for c in discover(context_paths, options.exclude) if os.path.realpath(c.path) not in seen]
    return focus + context, frozenset(candidate.display for candidate in focus)


def load_sources(files: Iterable[Candidate], options: Options) -> list[Source]:
    """Read and parse files, reusing cached parses of unchanged ones."""
    cache = ParseCache() if options.cache else None
    sources = []
    for candidate in files:
        with processing(candidate.display):
            sources.append(load_source(candidate, options.max_file_size, cache))
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
    files, focus = candidates(paths, options)
    return build_tree(load_sources(files, options), options, focus)
