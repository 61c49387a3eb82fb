"""``cached_property`` without a lock: Python 3.11's takes an ``RLock`` on every first read of every instance (about
0.4 µs; kubelint reads a few cached properties of every object), Python 3.12 dropped it. This is 3.12's."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

if sys.version_info >= (3, 12):
    from functools import cached_property
else:
    _MISSING = object()

    class cached_property(Generic[T]):  # named as the one it stands for
        """A method run on its first read for each instance, its result kept in the instance's ``__dict__``."""

        def __init__(self, func: Callable[[Any], T]) -> None:
            self.func = func
            self.attrname: str | None = None
            self.__doc__ = func.__doc__
            self.__module__ = func.__module__

        def __set_name__(self, owner: type[Any], name: str) -> None:
            if self.attrname is None:
                self.attrname = name
            elif name != self.attrname:
                raise TypeError(f"Cannot assign the same cached_property to two different names "
                                f"({self.attrname!r} and {name!r}).")

        @overload
        def __get__(self, instance: None, owner: type[Any] | None = None) -> cached_property[T]: ...

        @overload
        def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...

        def __get__(self, instance: object | None, owner: type[Any] | None = None) -> T | cached_property[T]:
            if instance is None:
                return self
            if self.attrname is None:
                raise TypeError("Cannot use cached_property instance without calling __set_name__ on it.")
            cache = instance.__dict__
            value = cache.get(self.attrname, _MISSING)
            if value is _MISSING:
                value = cache[self.attrname] = self.func(instance)
            return value  # type: ignore[no-any-return]

__all__ = ["cached_property"]
