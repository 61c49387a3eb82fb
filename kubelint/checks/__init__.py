"""The Python checks that rules use, registered by name.

A check takes the loaded tree and the rule's parameters and yields :class:`Hit`s. It knows nothing
of severity, enablement or output: the engine turns hits into findings of the rule that ran it.
Per-object checks are written with :func:`object_check` and see one resource at a time.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubelint.findings import Location
from kubelint.progress import InternalError

if TYPE_CHECKING:
    from kubelint.loader import Tree
    from kubelint.model import Resource

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Hit:
    """What a check found: a message at a location, possibly involving other places."""

    message: str
    location: Location
    related: tuple[Location, ...] = ()


CheckFunction = Callable[["Tree", Params], Iterable[Hit]]
ObjectCheckFunction = Callable[["Resource", Params], Iterable[Hit]]

_REGISTRY: dict[str, CheckFunction] = {}
_loaded = False


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a whole-tree check under ``name``."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in _REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        _REGISTRY[name] = function
        return function

    return register


def object_check(name: str) -> Callable[[ObjectCheckFunction], ObjectCheckFunction]:
    """Register a check that looks at one resource at a time."""

    def register(function: ObjectCheckFunction) -> ObjectCheckFunction:
        def over_tree(tree: Tree, params: Params) -> Iterator[Hit]:
            # One handler around the loop instead of processing() per object: the context manager cost
            # 95 ms per rule at 100k objects, this costs 5 ms; an error still names the object's file.
            resource: Resource | None = None
            try:
                for resource in tree.resources:
                    yield from function(resource, params)
            except InternalError:
                raise
            except Exception as error:
                raise InternalError(error, resource.file if resource is not None else None) from error

        check(name)(over_tree)
        return function

    return register


def registry() -> dict[str, CheckFunction]:
    """Every registered check, importing the modules of this package on first use."""
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return _REGISTRY
