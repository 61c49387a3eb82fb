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

import inspect
import sys
import threading
from collections.abc import Callable
from dataclasses import KW_ONLY, MISSING, Field, FrozenInstanceError, InitVar, dataclass, fields
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
    """``dataclass(cls, **options)``, compiling only ``__init__`` when the class is a plain record: its own class
    (no base), no ordering, no ``unsafe_hash`` and none of the methods written in it; ``__repr__``, ``__eq__``,
    ``__hash__`` and a frozen class's ``__setattr__``/``__delattr__`` are the same methods made without ``exec``."""
    init, repr_, eq = options.get("init", True), options.get("repr", True), options.get("eq", True)
    frozen = options.get("frozen", False)
    if (cls.__bases__ != (object,) or options.get("order") or options.get("unsafe_hash") or not init
            or set(options) - {"frozen", "repr", "eq"} or _WRITTEN & cls.__dict__.keys() or _special_fields(cls)):
        dataclass(cls, **options)
        return
    undocumented = not cls.__doc__
    dataclass(cls, init=False, repr=False, eq=False)
    declared = fields(cls)
    _set_method(cls, "__init__", _init_method(cls, declared, frozen))
    if undocumented:  # dataclass's docstring: the class's signature, which the __init__ above gives
        cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
    if frozen:
        names = tuple(field.name for field in declared)
        _set_method(cls, "__setattr__", _frozen_setattr(cls, names))
        _set_method(cls, "__delattr__", _frozen_delattr(cls, names))
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
    params.init, params.repr, params.eq, params.frozen = init, repr_, eq, frozen  # as asked, as dataclass records


def _special_fields(cls: type) -> bool:
    """Whether a field of ``cls`` is one the ``__init__`` below does not write as dataclass does: not a parameter
    (``field(init=False)``), keyword-only (``kw_only``, ``KW_ONLY``) or an init-only ``InitVar``."""
    for name, annotation in inspect.get_annotations(cls).items():
        declared = cls.__dict__.get(name)
        if isinstance(declared, Field) and (not declared.init or declared.kw_only is True):
            return True
        if annotation is KW_ONLY or isinstance(annotation, InitVar) or annotation is InitVar:
            return True
        if isinstance(annotation, str) and ("InitVar" in annotation or "KW_ONLY" in annotation):
            return True
    return False


_WRITTEN = {"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__post_init__"}
"""Methods a class may write itself; dataclass then keeps (or refuses) them, so such a class is left to it."""


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()
"""The default of a parameter whose field has a ``default_factory`` (as dataclass's ``_HAS_DEFAULT_FACTORY``)."""


def _init_method(cls: type, declared: tuple[Field[Any], ...], frozen: bool) -> Callable[..., None]:
    """The ``__init__`` dataclass writes for these fields (positional-or-keyword, in order; defaults and
    factories; a frozen class's fields set through ``object.__setattr__``), compiled in one ``exec``."""
    values: dict[str, Any] = {"__object__": object, "__factory__": _FACTORY}
    parameters, lines, defaulted = [], [], False
    self_name = "__dataclass_self__" if "self" in {field.name for field in declared} else "self"
    for field in declared:
        name = field.name
        values[f"__type_{name}"] = field.type
        if field.default is not MISSING:
            values[f"__default_{name}"] = field.default
            parameters.append(f"{name}: __type_{name} = __default_{name}")
            value = name
        elif field.default_factory is not MISSING:
            values[f"__default_{name}"] = field.default_factory
            parameters.append(f"{name}: __type_{name} = __factory__")
            value = f"__default_{name}() if {name} is __factory__ else {name}"
        elif defaulted:
            raise TypeError(f"non-default argument {name!r} follows default argument")
        else:
            parameters.append(f"{name}: __type_{name}")
            value = name
        defaulted = defaulted or field.default is not MISSING or field.default_factory is not MISSING
        lines.append(f"  __object__.__setattr__({self_name}, {name!r}, {value})" if frozen
                     else f"  {self_name}.{name} = {value}")
    source = (f"def __create__({', '.join(values)}):\n"
              f" def __init__({', '.join([self_name, *parameters])}) -> None:\n"
              + "\n".join(" " + line for line in lines or ["  pass"]) + "\n"
              " return __init__\n")
    namespace: dict[str, Any] = {}
    code = compile(source, f"<record {cls.__qualname__}>", "exec", dont_inherit=True)  # annotations as values
    exec(code, sys.modules[cls.__module__].__dict__ if cls.__module__ in sys.modules else {}, namespace)
    method: Callable[..., None] = namespace["__create__"](**values)
    return method


def _frozen_setattr(cls: type[Any], names: tuple[str, ...]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls: type[Any], names: tuple[str, ...]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


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


def value_tuple(cls: C) -> C:
    """For a ``typing.NamedTuple`` used as a record that is made by the thousand (an object's identity, a selector,
    a graph edge): equal only to another instance of ``cls``, never to a plain tuple of the same values. Hashing
    stays the tuple's, in C: ``__eq__`` is set after the class is made, so Python does not drop ``__hash__``. Such a
    class is made three times faster than a frozen record (whose ``__init__`` sets each field through
    ``object.__setattr__``), and hashed without a method of ours."""

    def __eq__(self: Any, other: object) -> bool:
        return type(other) is cls and tuple.__eq__(self, other)

    def __ne__(self: Any, other: object) -> bool:
        return not (type(other) is cls and tuple.__eq__(self, other))

    _set_method(cls, "__eq__", __eq__)
    _set_method(cls, "__ne__", __ne__)
    return cls
