"""``CloudMapping.watch``: a typed change stream, by polling (the sync front end's I/O).

Each poll lists the watched scope once (one LIST per 1,000 keys: the providers page), lets
``_watch_diff.plan`` compare it with the mapping's etag view, GETs only the new and changed
objects (concurrently, on the watch's own small pool), and turns each result into a
``Change`` with ``_watch_diff.settle``, updating the view conditionally on the version it
knew. A transient ``ProviderError`` (on the listing or on a GET) is logged and the poll
retried after a backoff; the stream never ends on one. Closing the generator (``break``)
stops it and its pool.

It works over what a mapping exposes (:class:`Watchable`), never imports the mapping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Protocol, TypeVar, cast

from ._keys import KeyCodec
from ._metadata import chain_of
from ._view import EtagView, Version
from ._watch_diff import Backoff, Change, Fetched, ViewUpdate, deleted, plan, settle
from .errors import CodecError, ProviderError
from .providers import ObjectInfo, Provider, StoredObject

__all__ = ["Change", "Watchable", "watch_changes"]

K = TypeVar("K")
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)

logger = logging.getLogger("typed_cloudmap.watch")
_MAX_FETCH_WORKERS = 16


class Decoding(Protocol[K, V_co]):
    """What ``watch`` uses of a mapping's core: its key codec and its decoder."""

    @property
    def keys(self) -> KeyCodec[K]: ...

    def decode(self, key: K, obj: StoredObject) -> V_co: ...


class Watchable(Protocol[K, V_co]):
    """What ``watch`` uses of a mapping: its provider, core and etag view."""

    provider: Provider
    max_workers: int
    _view: EtagView

    @property
    def _core(self) -> Decoding[K, V_co]: ...


def watch_changes(
    mapping: Watchable[K, V], *, interval: float = 5.0, prefix: str | None = None
) -> Generator[Change[K, V], None, None]:
    """Validate the arguments now, then return the (lazy) change stream."""
    backoff = Backoff(interval)
    # a bad prefix fails here, not at the first next()
    scope: _Scope[K, V] = _Scope(mapping._core.keys, prefix)
    return _stream(mapping, scope, backoff)


class _Scope(Generic[K, V]):
    """The names a watch covers: under the mapping's prefix and the key-space ``prefix``."""

    def __init__(self, keys: KeyCodec[K], prefix: str | None) -> None:
        self._keys = keys
        self.key_prefix = prefix
        self.name_prefix = keys.prefix if prefix is None else keys.name_prefix(prefix)

    def key_of(self, name: str) -> tuple[bool, K | None]:
        """``(True, key)`` for a name in scope, ``(False, None)`` otherwise."""
        if not name.startswith(self.name_prefix):
            return False, None
        ok, key = self._keys.try_decode(name)
        if not ok:
            return False, None
        wanted = self.key_prefix
        if wanted is not None and not self._keys.text(cast(K, key)).startswith(wanted):
            return False, None
        return True, key


def _stream(
    mapping: Watchable[K, V], scope: _Scope[K, V], backoff: Backoff
) -> Generator[Change[K, V], None, None]:
    pool = ThreadPoolExecutor(
        max(1, min(mapping.max_workers, _MAX_FETCH_WORKERS)), thread_name_prefix="tcm-watch"
    )
    try:
        delay = 0.0
        while True:
            if delay:
                time.sleep(delay)
            changes, ok = _poll(mapping, scope, pool)
            delay = backoff.next_delay(ok)
            yield from changes
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _poll(
    mapping: Watchable[K, V], scope: _Scope[K, V], pool: ThreadPoolExecutor
) -> tuple[list[Change[K, V]], bool]:
    """One poll: the changes found, and whether it ran without a transient failure."""
    keys: dict[str, K] = {}
    before = _known(mapping._view, scope, keys)
    try:
        listed = collect(scope, mapping.provider.list(scope.name_prefix), keys)
    except ProviderError as exc:
        logger.warning("watch: listing %s failed, will retry: %s", mapping.provider.name, exc)
        return [], False
    todo = plan(_known(mapping._view, scope, keys), listed, before=before)
    futures = {name: pool.submit(_fetch, mapping, keys[name], name) for name, _ in todo.fetch}
    changes: list[Change[K, V]] = []
    clean = True
    for name, was in todo.fetch:
        try:
            fetched = futures[name].result()
        except ProviderError as exc:  # retried at the next poll: the view still differs
            logger.warning("watch: reading %r failed, will retry: %s", keys[name], exc)
            clean = False
            continue
        change, update = settle(keys[name], name, was, fetched)
        _report(mapping._view, change, update, changes)
    for name, was in todo.deleted:
        _report(mapping._view, *deleted(keys[name], name, was), changes)
    return changes, clean


def collect(
    scope: _Scope[K, Any], infos: Iterable[ObjectInfo], keys: dict[str, K]
) -> dict[str, str]:
    """Name -> etag of the listed objects in scope (each name's key goes into ``keys``)."""
    listed: dict[str, str] = {}
    for info in infos:
        ok, key = scope.key_of(info.name)
        if ok:
            keys[info.name] = cast(K, key)
            listed[info.name] = info.etag
    return listed


def _known(view: EtagView, scope: _Scope[K, Any], keys: dict[str, K]) -> dict[str, str]:
    """The view's versions in scope (each name's key goes into ``keys``)."""
    known: dict[str, str] = {}
    for name, etag in view.snapshot().items():
        if name not in keys:
            ok, key = scope.key_of(name)
            if not ok:
                continue
            keys[name] = cast(K, key)
        known[name] = etag
    return known


def _report(
    view: EtagView,
    change: Change[K, V] | None,
    update: ViewUpdate | None,
    out: list[Change[K, V]],
) -> None:
    if update is not None:
        new = None if update.etag is None else Version(update.etag, update.chain or "")
        view.advance(update.name, update.expected, new)
    if change is not None:
        out.append(change)


def _fetch(mapping: Watchable[K, V], key: K, name: str) -> Fetched[V] | None:
    """The latest version of ``name``, decoded (or its ``CodecError``); ``None`` if gone."""
    try:
        obj = mapping.provider.get(name)
    except KeyError:
        return None
    return fetched(mapping._core, key, obj)


def fetched(core: Decoding[K, V], key: K, obj: StoredObject | None) -> Fetched[V]:
    """A GET's object, decoded (or its ``CodecError``)."""
    assert obj is not None  # no if_none_match was sent
    try:
        chain = chain_of(obj.metadata, key)
        return Fetched(obj.etag, core.decode(key, obj), chain=chain)
    except CodecError as exc:  # malformed metadata or an invalid value: reported, not raised
        return Fetched(obj.etag, error=exc)
