"""Records: dataclasses whose methods are made when the class's first instance is.

``@dataclass`` compiles the methods it generates (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, a frozen
class's ``__setattr__`` and ``__delattr__``) with ``exec`` when the class is defined: about 0.45 ms for a frozen
class, at every start. A run creates only some of the record classes it imports (a one-file lint 47 of 78), so
:func:`record` puts off ``dataclass`` until the first instance: the class gets a stand-in ``__init__`` that applies
``dataclass`` to the class (to any record class it inherits from first), which replaces the stand-in, and then
initialises the instance. From then on the class is the very dataclass ``@dataclass`` makes (same options, same
methods); a class never instantiated costs nothing.

Type checkers see ``dataclasses.dataclass`` itself under the name ``record``, so fields, frozenness and
``replace`` are checked as for any dataclass. At run time a record class is not a dataclass before its first
instance (``dataclasses.fields(cls)`` refuses it; a ``default_factory`` field is a ``Field`` on the class), so
call :func:`realize` first where the class itself, not an instance, is asked; and an instance made without
``__init__`` (unpickled in a fresh process) needs its class realized first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from threading import get_ident
from typing import TYPE_CHECKING, Any, TypeVar, overload

__all__ = ["realize", "record"]

C = TypeVar("C", bound=type)

_pending: dict[type, dict[str, Any]] = {}
"""Record classes not instantiated yet -> the options to give ``dataclass``."""
_lock = threading.RLock()


@overload
def deferred_dataclass(cls: C, /) -> C: ...


@overload
def deferred_dataclass(cls: None = None, /, **options: Any) -> Callable[[C], C]: ...


def deferred_dataclass(cls: C | None = None, /, **options: Any) -> C | Callable[[C], C]:
    """``@dataclass`` or ``@dataclass(...)``, applied when the class's first instance is made."""

    def defer(cls: C) -> C:
        if "__init__" in cls.__dict__:
            dataclass(cls, **options)  # a class that writes its own __init__: applied now
            return cls
        _pending[cls] = options
        type.__setattr__(cls, "__init__", _stand_in(cls))
        return cls

    return defer if cls is None else defer(cls)


def _stand_in(cls: type[Any]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        realize(cls)
        cls.__init__(self, *args, **kwargs)

    return __init__


def realize(cls: type) -> None:
    """Make record class ``cls`` the dataclass it declares now (record classes it inherits from first); nothing
    when it is one already."""
    with _lock:
        options = _pending.get(cls)
        if options is None:
            return
        for base in reversed(cls.__mro__[1:]):
            realize(base)
        stand_in = cls.__dict__["__init__"]
        type.__delattr__(cls, "__init__")
        try:
            _process(cls, options)
        except BaseException:
            type.__setattr__(cls, "__init__", stand_in)
            raise
        del _pending[cls]


def _process(cls: type, options: dict[str, Any]) -> None:
    """``dataclass(cls, **options)``; ``__repr__``, ``__eq__`` and ``__hash__`` made without ``exec`` when they
    are the plain ones (no ordering, no ``unsafe_hash``, none written in the class)."""
    repr_, eq, frozen = options.get("repr", True), options.get("eq", True), options.get("frozen", False)
    if options.get("order") or options.get("unsafe_hash") or {"__repr__", "__eq__", "__hash__"} & cls.__dict__.keys():
        dataclass(cls, **options)
        return
    dataclass(cls, **{**options, "repr": False, "eq": False})
    declared = fields(cls)
    if repr_:
        _set_method(cls, "__repr__", _repr_method(tuple(field.name for field in declared if field.repr)))
    if eq:
        _set_method(cls, "__eq__", _eq_method(_values([field.name for field in declared if field.compare])))
        if frozen:
            hashed = [field.name for field in declared if (field.compare if field.hash is None else field.hash)]
            _set_method(cls, "__hash__", _hash_method(_values(hashed)))
        else:
            type.__setattr__(cls, "__hash__", None)  # mutable and compared by value: unhashable
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    params.repr, params.eq = repr_, eq  # what was asked for, as dataclass records it


def _set_method(cls: type, name: str, method: Callable[..., Any]) -> None:
    method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
    type.__setattr__(cls, name, method)


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the tuple ``(self.a, self.b, ...)`` of these fields, as dataclass's methods build it."""
    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        name = names[0]
        return lambda self: (getattr(self, name),)
    return lambda self: ()


def _repr_method(names: tuple[str, ...]) -> Callable[[Any], str]:
    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = id(self), get_ident()
        if key in running:  # the record holds itself
            return "..."
        running.add(key)
        try:
            shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        finally:
            running.discard(key)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq_method(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash_method(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def pending() -> list[type]:
    """The record classes imported so far and not realized yet (for tests)."""
    with _lock:
        return list(_pending)


if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:
    record = deferred_dataclass
