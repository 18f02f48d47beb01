"""Bulk operations: many keys at once on a thread pool or any ``concurrent.futures.Executor``.

Each unit of work is a module-level function of the mapping and one key that returns what
the caller needs to record (etags), so the same code runs on a local thread pool and on a
process-based executor (a Dask ``client.get_executor()``), where the worker's copy of the
mapping is not the caller's.
"""

from __future__ import annotations

import threading
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import BulkError
from .providers import SupportsBatchDelete

if TYPE_CHECKING:
    from ._mapping import CloudMapping

__all__ = ["BulkMixin"]

K = TypeVar("K")
V = TypeVar("V")
_CHUNK = 1000


def _get_task(mapping: CloudMapping[Any, Any], key: Any, name: str) -> tuple[Any, str] | None:
    try:
        return mapping._fetch(key, name)
    except KeyError:
        return None


def _set_task(
    mapping: CloudMapping[Any, Any], key: Any, name: str, value: Any, expected: str | None
) -> str | None:
    return mapping._put(key, name, value, expected)[1]


def _delete_task(mapping: CloudMapping[Any, Any], key: Any, name: str, expected: str) -> None:
    mapping._delete(key, name, expected)


def _names(
    mapping: CloudMapping[Any, Any], keys: Iterable[Any], errors: dict[Any, BaseException]
) -> dict[Any, str]:
    """Each distinct key's object name; keys that cannot name an object go to ``errors``."""
    names: dict[Any, str] = {}
    for key in dict.fromkeys(keys):
        try:
            names[key] = mapping._keys.encode(key)
        except (TypeError, ValueError) as exc:
            errors[key] = exc
    return names


class BulkMixin(Generic[K, V]):
    """``get_many`` / ``set_many`` / ``delete_many`` and the bulk-backed dict methods."""

    max_workers: int
    _executor: Executor | None
    _own_pool: ThreadPoolExecutor | None
    _pool_lock: threading.Lock

    def _init_bulk(self, executor: Executor | None) -> None:
        self._executor = executor
        self._own_pool = None
        self._pool_lock = threading.Lock()

    def _pool(self, executor: Executor | None) -> Executor:
        if executor is not None:
            return executor
        if self._executor is not None:
            return self._executor
        with self._pool_lock:
            if self._own_pool is None:
                self._own_pool = ThreadPoolExecutor(
                    self.max_workers, thread_name_prefix="typed-cloudmap"
                )
            return self._own_pool

    def _me(self) -> CloudMapping[K, V]:
        return self  # type: ignore[return-value]  # the mixin is only used by CloudMapping

    def get_many(self, keys: Iterable[K], *, executor: Executor | None = None) -> dict[K, V]:
        """The values of the keys that exist, fetched concurrently; missing keys are left out.

        Any other failure (a conflict, a decode error) raises one ``BulkError`` after every key
        was tried.
        """
        me = self._me()
        errors: dict[Any, BaseException] = {}
        names = _names(me, keys, errors)
        pool = self._pool(executor)
        futures = {k: pool.submit(_get_task, me, k, name) for k, name in names.items()}
        found: dict[K, V] = {}
        for key, fut in futures.items():
            try:
                result = fut.result()
            except Exception as exc:  # reported per key in BulkError
                errors[key] = exc
                continue
            if result is not None:
                found[key] = result[0]
                me._view.record(names[key], result[1])
        if errors:
            raise BulkError("get_many", errors, tuple(found), found)
        return found

    def set_many(
        self,
        items: Mapping[K, V] | Iterable[tuple[K, V]],
        *,
        executor: Executor | None = None,
    ) -> None:
        """Write every item concurrently, each conditional on the view; failures are
        collected into one ``BulkError`` while every other key lands."""
        me = self._me()
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        pool = self._pool(executor)
        errors: dict[Any, BaseException] = {}
        names = _names(me, pairs, errors)
        futures: dict[Any, Future[str | None]] = {
            key: pool.submit(_set_task, me, key, name, pairs[key], me._view.get(name))
            for key, name in names.items()
        }
        done: list[Any] = []
        for key, fut in futures.items():
            try:
                etag = fut.result()
                if etag is not None:  # None: landed, then replaced by another writer
                    me._view.record(names[key], etag)
                done.append(key)
            except Exception as exc:  # reported per key in BulkError
                errors[key] = exc
        if errors:
            raise BulkError("set_many", errors, tuple(done))

    def delete_many(self, keys: Iterable[K], *, executor: Executor | None = None) -> None:
        """Delete every key, each conditional on its etag; uses the provider's batch delete
        where it has one. Keys not in the view fail with ``KeyError`` in the ``BulkError``."""
        me = self._me()
        errors: dict[Any, BaseException] = {}
        todo: dict[str, tuple[Any, str]] = {}
        for key, name in _names(me, keys, errors).items():
            etag = me._view.get(name)
            if etag is None:
                errors[key] = KeyError(key)
            else:
                todo[name] = (key, etag)
        done: list[Any] = []
        if isinstance(me.provider, SupportsBatchDelete) and executor is None:
            names = list(todo)
            for start in range(0, len(names), _CHUNK):
                chunk = names[start : start + _CHUNK]
                failed = me.provider.delete_many([(n, todo[n][1]) for n in chunk])
                for name in chunk:
                    key, etag = todo[name]
                    if name in failed:
                        try:  # reconcile like a single delete: gone is success
                            me._delete(key, name, etag)
                        except Exception as exc:  # reported per key
                            errors[key] = exc
                            continue
                    me._view.record(name, None)
                    done.append(key)
        else:
            pool = self._pool(executor)
            futures = {
                name: pool.submit(_delete_task, me, key, name, etag)
                for name, (key, etag) in todo.items()
            }
            for name, fut in futures.items():
                key = todo[name][0]
                try:
                    fut.result()
                except Exception as exc:  # reported per key
                    errors[key] = exc
                    continue
                me._view.record(name, None)
                done.append(key)
        if errors:
            raise BulkError("delete_many", errors, tuple(done))

    # --- dict methods on the bulk path ------------------------------------------------------

    def _iter_items(self) -> Iterator[tuple[K, V]]:
        me = self._me()
        keys = list(me)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            found = self.get_many(chunk)
            for key in chunk:
                if key in found:
                    yield key, found[key]

    def items(self) -> ItemsView[K, V]:
        """Key-value pairs, fetched in bulk (``get_many``) rather than one GET at a time."""
        return _BulkItems(self._me())

    def values(self) -> ValuesView[V]:
        """Values, fetched in bulk (``get_many``) rather than one GET at a time."""
        return _BulkValues(self._me())

    def update(self, other: Any = (), /, **kwargs: V) -> None:
        """``dict.update`` through ``set_many``: every item lands or is named in a BulkError."""
        pairs: dict[K, V] = {}
        if isinstance(other, Mapping):
            pairs.update(other)
        elif hasattr(other, "keys"):
            pairs.update((k, other[k]) for k in other.keys())  # noqa: SIM118  # dict.update protocol: call keys()
        else:
            pairs.update(other)
        pairs.update(kwargs)  # type: ignore[arg-type]  # keyword keys are str, as in dict
        self.set_many(pairs)

    def clear(self) -> None:
        """Delete every key in the view through ``delete_many``."""
        self.delete_many(list(self._me()))

    def close(self) -> None:
        """Shut down the mapping's own thread pool and the provider's clients."""
        with self._pool_lock:
            pool, self._own_pool = self._own_pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self._me().provider.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _BulkItems(ItemsView[K, V]):
    _mapping: CloudMapping[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return self._mapping._iter_items()


class _BulkValues(ValuesView[V]):
    _mapping: CloudMapping[Any, V]

    def __iter__(self) -> Iterator[V]:
        return (v for _, v in self._mapping._iter_items())
