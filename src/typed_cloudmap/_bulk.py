"""Bulk operations: many keys at once on a thread pool or any ``concurrent.futures.Executor``.

Each unit of work is a module-level function of the core (configuration, no view), one key
and the version of it the caller saw; it returns the version it ended at, and the caller
moves its own view (conditionally, see ``EtagView.advance``). So the same code runs on a
local thread pool and on a process-based executor (a Dask ``client.get_executor()``), and a
task's pickled size does not grow with the view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ._core import MappingCore, Read, Written
from ._view import EtagView, Version
from .errors import BulkError
from .providers import SupportsBatchDelete

__all__ = ["CHUNK", "BulkPool", "delete_many", "get_many", "set_many"]

K = TypeVar("K")
V = TypeVar("V")
CHUNK = 1000


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


def _names(
    core: MappingCore[K, Any], keys: Iterable[K], errors: dict[Any, BaseException]
) -> dict[K, str]:
    """Each distinct key's object name; keys that cannot name an object go to ``errors``."""
    names: dict[K, str] = {}
    for key in dict.fromkeys(keys):
        try:
            names[key] = core.keys.encode(key)
        except (TypeError, ValueError) as exc:
            errors[key] = exc
    return names


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
    errors: dict[Any, BaseException] = {}
    names = _names(core, keys, errors)
    seen = {key: view.version(name) for key, name in names.items()}
    pool = pools.get(executor)
    futures: dict[K, Future[Read[V] | None]] = {
        key: pool.submit(_get_task, core, key, name, seen[key]) for key, name in names.items()
    }
    found: dict[K, V] = {}
    for key, fut in futures.items():
        try:
            result = fut.result()
        except Exception as exc:  # reported per key in BulkError
            errors[key] = exc
            continue
        if result is not None:
            found[key] = result.value
            before = seen[key]
            view.advance(names[key], before.etag if before else None, result.version)
    if errors:
        raise BulkError("get_many", errors, tuple(found), found)
    return found


def set_many(
    core: MappingCore[K, V],
    view: EtagView,
    pools: BulkPool,
    executor: Executor | None,
    pairs: dict[K, V],
) -> None:
    """Write every item concurrently, each conditional on the view; failures are collected
    into one ``BulkError`` while every other key lands."""
    errors: dict[Any, BaseException] = {}
    names = _names(core, pairs, errors)
    seen = {key: view.version(name) for key, name in names.items()}
    pool = pools.get(executor)
    futures: dict[K, Future[Written]] = {
        key: pool.submit(_set_task, core, key, name, pairs[key], seen[key])
        for key, name in names.items()
    }
    done: list[K] = []
    for key, fut in futures.items():
        try:
            written = fut.result()
        except Exception as exc:  # reported per key in BulkError
            errors[key] = exc
            continue
        if written.version is not None:  # None: landed, then replaced by another writer
            before = seen[key]
            view.advance(names[key], before.etag if before else None, written.version)
        done.append(key)
    if errors:
        raise BulkError("set_many", errors, tuple(done))


def delete_many(
    core: MappingCore[K, V],
    view: EtagView,
    pools: BulkPool,
    executor: Executor | None,
    keys: Iterable[K],
) -> None:
    """Delete every key, each conditional on its etag; without an ``executor``, uses the
    provider's batch delete where it has one. Keys not in the view fail with ``KeyError``."""
    errors: dict[Any, BaseException] = {}
    todo: dict[str, tuple[K, str]] = {}
    for key, name in _names(core, keys, errors).items():
        etag = view.get(name)
        if etag is None:
            errors[key] = KeyError(key)
        else:
            todo[name] = (key, etag)
    done: list[K] = []
    provider = core.provider
    if executor is None and isinstance(provider, SupportsBatchDelete):
        names = list(todo)
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            failed = provider.delete_many([(n, todo[n][1]) for n in chunk])
            for name in chunk:
                key, etag = todo[name]
                if name in failed:
                    try:  # reconcile like a single delete: gone is success
                        core.delete(key, name, etag)
                    except Exception as exc:  # reported per key
                        errors[key] = exc
                        continue
                view.advance(name, etag, None)
                done.append(key)
    else:
        pool = pools.get(executor)
        futures = {
            name: pool.submit(_delete_task, core, key, name, etag)
            for name, (key, etag) in todo.items()
        }
        for name, fut in futures.items():
            key, etag = todo[name]
            try:
                fut.result()
            except Exception as exc:  # reported per key
                errors[key] = exc
                continue
            view.advance(name, etag, None)
            done.append(key)
    if errors:
        raise BulkError("delete_many", errors, tuple(done))
