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
from dataclasses import dataclass
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
            dataclass(cls, **options)
        except BaseException:
            type.__setattr__(cls, "__init__", stand_in)
            raise
        del _pending[cls]


def pending() -> list[type]:
    """The record classes imported so far and not realized yet (for tests)."""
    with _lock:
        return list(_pending)


if TYPE_CHECKING:
    from dataclasses import dataclass as record
else:
    record = deferred_dataclass
