"""Analyses: facts derived from a tree (the resource graph, NetworkPolicy reach, ...), computed on demand.

An analysis is a function of a :class:`~kubelint.model.tree.Tree`, registered under a name with
:func:`analysis_of`. Calling it computes the result on first use and keeps it in ``tree.analyses``, so each
unit computes each analysis at most once; checks and views ask for the analyses they need. No analysis
imports the loader, and the Tree does not grow a property per analysis.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kubelint.timings import stage

if TYPE_CHECKING:
    from kubelint.model.tree import Tree

T = TypeVar("T")

MODULES: dict[str, str] = {
    "api-groups": "kubelint.analysis.groups",
    "gateway-routes": "kubelint.analysis.gateway",
    "service-addresses": "kubelint.analysis.addresses",
    "own-service-addresses": "kubelint.analysis.addresses",
    "graph": "kubelint.analysis.graph",
    "istio-routes": "kubelint.analysis.istio",
    "network": "kubelint.analysis.netpol",
    "pod-security": "kubelint.analysis.psa",
    "pod-templates": "kubelint.analysis.templates",
    "reach": "kubelint.analysis.reach",
    "scales": "kubelint.analysis.scale",
    "rbac": "kubelint.analysis.rbac",
    "references": "kubelint.analysis.references",
    "unseen-pods": "kubelint.analysis.unseen",
    "usage": "kubelint.analysis.usage",
    "crd-validations": "kubelint.analysis.cel_crd",
    "admission": "kubelint.analysis.cel_admission",
}
"""Where each built-in analysis is defined, so that :func:`analysis` can import it on first use."""

_REGISTRY: dict[str, Analysis[Any]] = {}


class Analysis(Generic[T]):
    """A named, cached function of a tree: ``analysis(tree)`` computes it once per tree."""

    def __init__(self, name: str, build: Callable[[Tree], T]) -> None:
        self.name = name
        self.build = build
        self.__doc__ = build.__doc__

    def __call__(self, tree: Tree) -> T:
        if self.name not in tree.analyses:
            with stage(self.name):
                tree.analyses[self.name] = self.build(tree)
        result: T = tree.analyses[self.name]
        return result


def analysis_of(name: str) -> Callable[[Callable[[Tree], T]], Analysis[T]]:
    """Register ``build`` as the analysis ``name``; the decorated name computes it once per tree."""

    def register(build: Callable[[Tree], T]) -> Analysis[T]:
        if name in _REGISTRY:
            raise ValueError(f"analysis {name!r} is registered twice")
        registered = Analysis(name, build)
        _REGISTRY[name] = registered
        return registered

    return register


def analysis(tree: Tree, name: str) -> Any:
    """The result of the analysis ``name`` on ``tree`` (computed on first use, then kept)."""
    if name not in _REGISTRY and name in MODULES:
        importlib.import_module(MODULES[name])
    if name not in _REGISTRY:
        raise KeyError(f"no analysis named {name!r}")
    return _REGISTRY[name](tree)
