"""Bulk operations: many keys at once on a thread pool or any ``concurrent.futures.Executor``.

What each operation decides is in ``_bulk_batch`` (shared with the async front end). Each
unit of work is a module-level function of the core (configuration, no view), one key
and the version of it the caller saw; it returns the version it ended at, and the caller
moves its own view (conditionally, see ``EtagView.advance``). So the same code runs on a
local thread pool and on a process-based executor (a Dask ``client.get_executor()``), and a
task's pickled size does not grow with the view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from ._bulk_batch import CHUNK, DeleteBatch, GetBatch, SetBatch
from ._core import MappingCore, Read, Written
from ._plan import run
from ._view import Version
from .providers import SupportsBatchDelete

if TYPE_CHECKING:
    from ._view import EtagView

__all__ = ["CHUNK", "BulkPool", "delete_many", "get_many", "set_many"]

K = TypeVar("K")
V = TypeVar("V")


class BulkPool:
    """The executor bulk operations run on: one given, or an own thread pool made lazily."""

    def __init__(self, max_workers: int, executor: Executor | None = None) -> None:
        self.max_workers = max_workers
        self._executor = executor
        self._own: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self, executor: Executor | None = None) -> Executor:
        """``executor`` if given, else the configured one, else the own pool."""
        if executor is not None:
            return executor
        if self._executor is not None:
            return self._executor
        with self._lock:
            if self._own is None:
                self._own = ThreadPoolExecutor(
                    self.max_workers, thread_name_prefix="typed-cloudmap"
                )
            return self._own

    def close(self) -> None:
        """Shut down the own pool (a given executor belongs to its owner)."""
        with self._lock:
            pool, self._own = self._own, None
        if pool is not None:
            pool.shutdown(wait=True)


def _get_task(core: MappingCore[Any, Any], key: Any, name: str, seen: Version | None) -> Any:
    try:
        return core.fetch(key, name, seen)
    except KeyError:
        return None


def _set_task(
    core: MappingCore[Any, Any], key: Any, name: str, value: Any, seen: Version | None
) -> Written:
    return core.write(key, name, value, seen)[1]


def _delete_task(core: MappingCore[Any, Any], key: Any, name: str, expected: str) -> None:
    core.delete(key, name, expected)


def get_many(
    core: MappingCore[K, V],
    view: EtagView,
    pools: BulkPool,
    executor: Executor | None,
    keys: Iterable[K],
) -> dict[K, V]:
    """The values of the keys that exist, fetched concurrently; missing keys are left out.

    Any other failure (a conflict, a decode error) raises one ``BulkError`` after every key
    was tried.
    """
    batch = GetBatch(core, view, keys)
    pool = pools.get(executor)
    futures: dict[K, Future[Read[V] | None]] = {
        key: pool.submit(_get_task, core, key, name, seen) for key, name, seen in batch.tasks()
    }
    for key, fut in futures.items():
        try:
            result = fut.result()
        except Exception as exc:  # reported per key in BulkError
            batch.failed(key, exc)
        else:
            batch.done(key, result)
    return batch.finish()


def set_many(
    core: MappingCore[K, V],
    view: EtagView,
    pools: BulkPool,
    executor: Executor | None,
    pairs: dict[K, V],
) -> None:
    """Write every item concurrently, each conditional on the view; failures are collected
    into one ``BulkError`` while every other key lands."""
    batch = SetBatch(core, view, pairs)
    pool = pools.get(executor)
    futures: dict[K, Future[Written]] = {
        key: pool.submit(_set_task, core, key, name, value, seen)
        for key, name, value, seen in batch.tasks()
    }
    for key, fut in futures.items():
        try:
            written = fut.result()
        except Exception as exc:  # reported per key in BulkError
            batch.failed(key, exc)
        else:
            batch.done(key, written)
    batch.finish()


def delete_many(
    core: MappingCore[K, V],
    view: EtagView,
    pools: BulkPool,
    executor: Executor | None,
    keys: Iterable[K],
) -> None:
    """Delete every key, each conditional on its etag; without an ``executor``, uses the
    provider's batch delete where it has one. Keys not in the view fail with ``KeyError``."""
    batch = DeleteBatch(core, view, keys)
    if executor is None and isinstance(core.provider, SupportsBatchDelete):
        for chunk in batch.chunks():
            run(batch.plan_chunk(chunk), core.provider)
    else:
        pool = pools.get(executor)
        futures = {
            (key, name, etag): pool.submit(_delete_task, core, key, name, etag)
            for key, name, etag in batch.tasks()
        }
        for (key, name, etag), fut in futures.items():
            try:
                fut.result()
            except Exception as exc:  # reported per key
                batch.failed(key, exc)
            else:
                batch.done(key, name, etag)
    batch.finish()
