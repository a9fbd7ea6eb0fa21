"""``cached_property`` without the per-instance lock Python 3.11's version takes.

The engine builds one context per order and reads each lazy fact once or twice; the lock of
``functools.cached_property`` (removed in Python 3.12) costs more than the facts themselves.
A non-data descriptor: the first access stores the value in the instance ``__dict__``, which
then shadows the descriptor.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")


class cached_property(Generic[T]):  # noqa: N801 - same name as the functools original
    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
