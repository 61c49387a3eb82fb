"""Load a manifest tree: discover files, parse them with positions and build resources."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from kubelint.model import ObjectRef, Resource
from kubelint.objects import crd_scopes, resources_of
from kubelint.options import Options
from kubelint.progress import processing
from kubelint.sources.discover import discover
from kubelint.sources.read import Source, load_source


@dataclass
class Tree:
    """Everything read from the paths: sources (with their problems) and the resources in them."""

    sources: list[Source]
    resources: list[Resource]
    options: Options
    skipped: list[tuple[str, int, str]] = field(default_factory=list)

    @cached_property
    def by_ref(self) -> dict[ObjectRef, Resource]:
        """The first definition of each object (duplicates are a finding of their own)."""
        found: dict[ObjectRef, Resource] = {}
        for resource in self.resources:
            found.setdefault(resource.ref, resource)
        return found

def load_sources(paths: Iterable[str], options: Options) -> list[Source]:
    """Discover and parse every manifest file under ``paths``."""
    sources = []
    for candidate in discover(paths, options.exclude):
        with processing(candidate.display):
            sources.append(load_source(candidate, options.max_file_size))
    return sources


def build_tree(sources: list[Source], options: Options) -> Tree:
    """Turn parsed sources into resources (CRDs in the tree decide the scope of their kinds)."""
    crds = crd_scopes(sources)
    resources: list[Resource] = []
    skipped: list[tuple[str, int, str]] = []
    for source in sources:
        with processing(source.display):
            found, passed = resources_of(source, options.namespace, crds)
        resources.extend(found)
        skipped.extend(passed)
    return Tree(sources, resources, options, skipped)


def load_tree(paths: Iterable[str], options: Options) -> Tree:
    """Discover, parse and model the manifests under ``paths``."""
    with without_cycle_collection():
        return build_tree(load_sources(paths, options), options)


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
