"""Bulk operations of the async front end: the ``_bulk_batch`` decisions, with each key's
plan awaited on the event loop, at most ``limit`` at once (no thread per request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from ._bulk_batch import DeleteBatch, GetBatch, SetBatch
from ._core import MappingCore
from ._plan import arun
from ._view import EtagView
from .providers import AsyncSupportsBatchDelete

__all__ = ["delete_many", "get_many", "set_many"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")


async def each(
    items: Sequence[T], limit: int, work: Callable[[T], Awaitable[R]]
) -> list[tuple[T, R | None, Exception | None]]:
    """``work(item)`` for every item, ``limit`` workers at a time; results in order."""
    out: list[tuple[T, R | None, Exception | None]] = [(item, None, None) for item in items]
    todo = iter(range(len(items)))

    async def worker() -> None:
        for i in todo:  # one iterator shared by the workers: each index runs once
            try:
                out[i] = (items[i], await work(items[i]), None)
            except Exception as exc:  # reported per key by the batch
                out[i] = (items[i], None, exc)

    await asyncio.gather(*(worker() for _ in range(max(1, min(limit, len(items))))))
    return out


async def get_many(
    core: MappingCore[K, V], view: EtagView, limit: int, keys: Iterable[K]
) -> dict[K, V]:
    batch = GetBatch(core, view, keys)
    provider = core.provider
    results = await each(
        batch.tasks(), limit, lambda t: arun(core.plan_fetch(t[0], t[1], t[2]), provider)
    )
    for (key, _, _), result, exc in results:
        if exc is not None:
            batch.failed(key, exc)
        else:
            batch.done(key, result)
    return batch.finish()


async def set_many(
    core: MappingCore[K, V], view: EtagView, limit: int, pairs: Mapping[K, V]
) -> None:
    batch = SetBatch(core, view, pairs)
    provider = core.provider
    results = await each(
        batch.tasks(), limit, lambda t: arun(core.plan_write(t[0], t[1], t[2], t[3]), provider)
    )
    for (key, _, _, _), result, exc in results:
        if exc is not None:
            batch.failed(key, exc)
        elif result is not None:
            batch.done(key, result[1])
    batch.finish()


async def delete_many(
    core: MappingCore[K, V], view: EtagView, limit: int, keys: Iterable[K]
) -> None:
    batch = DeleteBatch(core, view, keys)
    provider = core.provider
    if isinstance(provider, AsyncSupportsBatchDelete):
        for chunk in batch.chunks():
            await arun(batch.plan_chunk(chunk), provider)
    else:
        results = await each(
            batch.tasks(), limit, lambda t: arun(core.plan_delete(t[0], t[1], t[2]), provider)
        )
        for (key, name, etag), _, exc in results:
            if exc is not None:
                batch.failed(key, exc)
            else:
                batch.done(key, name, etag)
    batch.finish()
