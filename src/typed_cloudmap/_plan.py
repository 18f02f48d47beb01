"""Plans: the mapping's decisions as generators, run by a sync or an async driver.

A plan is a generator that yields the I/O it needs (a provider call, a listing, a call of
the user's function, a pause) and receives each result (or has its exception thrown in at
the ``yield``). It makes every decision itself; a driver only performs what it yields:
``run`` with a sync :class:`Provider`, ``arun`` with an :class:`AsyncProvider`. So the sync
and the async mapping share one body of logic (``_core``, ``_atomic``, ``_bulk_batch``).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

__all__ = ["Apply", "Call", "Listing", "Op", "Pause", "Plan", "arun", "run"]

T = TypeVar("T")


class Op:
    """One step of I/O a plan asks for."""

    __slots__ = ()

    def run(self, provider: Any) -> Any:
        raise NotImplementedError

    async def arun(self, provider: Any) -> Any:
        raise NotImplementedError


Plan = Generator[Op, Any, T]


class Call(Op):
    """``provider.<method>(*args, **kwargs)``; a coroutine for an async provider."""

    __slots__ = ("args", "kwargs", "method")

    def __init__(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.method = method
        self.args = args
        self.kwargs = kwargs

    def run(self, provider: Any) -> Any:
        return getattr(provider, self.method)(*self.args, **self.kwargs)

    async def arun(self, provider: Any) -> Any:
        return await getattr(provider, self.method)(*self.args, **self.kwargs)


class Listing(Op):
    """Every ``ObjectInfo`` under ``prefix``, as a list (sync iterator or async iterator)."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def run(self, provider: Any) -> Any:
        return list(provider.list(self.prefix))

    async def arun(self, provider: Any) -> Any:
        return [info async for info in provider.list(self.prefix)]


class Apply(Op):
    """``fn(arg)``: the user's function; an async driver awaits an awaitable result."""

    __slots__ = ("arg", "fn")

    def __init__(self, fn: Callable[[Any], Any], arg: Any) -> None:
        self.fn = fn
        self.arg = arg

    def run(self, provider: Any) -> Any:
        result = self.fn(self.arg)
        if inspect.isawaitable(result):
            close = getattr(result, "close", None)
            if close is not None:
                close()  # never awaited: say so instead of a "never awaited" warning
            raise TypeError("a sync mapping needs a sync function; use AsyncCloudMapping")
        return result

    async def arun(self, provider: Any) -> Any:
        result = self.fn(self.arg)
        if inspect.isawaitable(result):
            result = await result
        return result


class Pause(Op):
    """Sleep ``seconds`` (``time.sleep`` or ``asyncio.sleep``)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def run(self, provider: Any) -> Any:
        time.sleep(self.seconds)

    async def arun(self, provider: Any) -> Any:
        await asyncio.sleep(self.seconds)


def run(plan: Plan[T], provider: Any) -> T:
    """Perform ``plan``'s I/O with a sync provider; return what the plan returns."""
    try:
        op = next(plan)
        while True:
            try:
                result = op.run(provider)
            except Exception as exc:  # the plan decides what an error means
                op = plan.throw(exc)
            else:
                op = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]  # the plan's return value is a T


async def arun(plan: Plan[T], provider: Any) -> T:
    """Perform ``plan``'s I/O with an async provider; return what the plan returns."""
    try:
        op = next(plan)
        while True:
            try:
                result = await op.arun(provider)
            except Exception as exc:  # the plan decides what an error means
                op = plan.throw(exc)
            else:
                op = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]  # the plan's return value is a T
