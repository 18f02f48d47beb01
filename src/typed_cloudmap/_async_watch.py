"""``AsyncCloudMapping.watch``: the change stream of ``_watch``, polled on the event loop.

The same steps as the sync watch (one listing, ``_watch_diff.plan``, GETs of the new and
changed objects, ``_watch_diff.settle``, conditional view updates) with the I/O awaited:
the GETs run ``max_concurrency``-bounded (at most 16), sleeps are ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol, TypeVar

from ._async_bulk import each
from ._view import EtagView
from ._watch import Decoding, _known, _report, _Scope, collect, fetched
from ._watch_diff import Backoff, Change, Fetched, deleted, plan, settle
from .errors import ProviderError
from .providers import AsyncProvider

__all__ = ["awatch_changes"]

K = TypeVar("K")
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)
logger = logging.getLogger("typed_cloudmap.watch")
_MAX_FETCHES = 16


class AsyncWatchable(Protocol[K, V_co]):
    """What ``watch`` uses of an async mapping: its provider, core and etag view."""

    provider: AsyncProvider
    max_concurrency: int
    _view: EtagView

    @property
    def _core(self) -> Decoding[K, V_co]: ...


def awatch_changes(
    mapping: AsyncWatchable[K, V], *, interval: float = 5.0, prefix: str | None = None
) -> AsyncIterator[Change[K, V]]:
    """Validate the arguments now, then return the (lazy) async change stream."""
    backoff = Backoff(interval)
    scope: _Scope[K, V] = _Scope(mapping._core.keys, prefix)
    return _stream(mapping, scope, backoff)


async def _stream(
    mapping: AsyncWatchable[K, V], scope: _Scope[K, V], backoff: Backoff
) -> AsyncIterator[Change[K, V]]:
    delay = 0.0
    while True:
        if delay:
            await asyncio.sleep(delay)
        changes, ok = await _poll(mapping, scope)
        delay = backoff.next_delay(ok)
        for change in changes:
            yield change


async def _poll(
    mapping: AsyncWatchable[K, V], scope: _Scope[K, V]
) -> tuple[list[Change[K, V]], bool]:
    keys: dict[str, K] = {}
    before = _known(mapping._view, scope, keys)
    provider = mapping.provider
    try:
        infos = [info async for info in provider.list(scope.name_prefix)]
    except ProviderError as exc:
        logger.warning("watch: listing %s failed, will retry: %s", provider.name, exc)
        return [], False
    listed = collect(scope, infos, keys)
    todo = plan(_known(mapping._view, scope, keys), listed, before=before)

    async def fetch(item: tuple[str, Any]) -> Fetched[V] | None:
        name = item[0]
        try:
            obj = await provider.get(name)
        except KeyError:
            return None
        return fetched(mapping._core, keys[name], obj)

    limit = max(1, min(mapping.max_concurrency, _MAX_FETCHES))
    changes: list[Change[K, V]] = []
    clean = True
    for (name, was), result, failure in await each(list(todo.fetch), limit, fetch):
        if isinstance(failure, ProviderError):  # retried at the next poll: view still differs
            logger.warning("watch: reading %r failed, will retry: %s", keys[name], failure)
            clean = False
            continue
        if failure is not None:
            raise failure
        change, update = settle(keys[name], name, was, result)
        _report(mapping._view, change, update, changes)
    for name, was in todo.deleted:
        _report(mapping._view, *deleted(keys[name], name, was), changes)
    return changes, clean
