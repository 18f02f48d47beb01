"""What a bulk operation decides, for both front ends: which keys it tries, how each key's
result moves the view, and the ``BulkError`` at the end.

A batch is made from the keys (or items), hands out one task per key (its key, object name
and the version the view held), takes each task's result or exception, and finishes. The
sync front end runs the tasks on an executor (``_bulk``); the async one awaits the core's
plans with bounded concurrency (``_async_bulk``). Neither decides anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ._core import MappingCore, Read, Written
from ._plan import Call, Plan
from ._view import EtagView, Version
from .errors import BulkError

__all__ = ["CHUNK", "DeleteBatch", "GetBatch", "SetBatch", "names_of"]

K = TypeVar("K")
V = TypeVar("V")
CHUNK = 1000


def names_of(
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


class GetBatch(Generic[K, V]):
    """``get_many``: tasks ``(key, name, seen)``; missing keys are left out."""

    def __init__(self, core: MappingCore[K, V], view: EtagView, keys: Iterable[K]) -> None:
        self.view = view
        self.errors: dict[Any, BaseException] = {}
        self.names = names_of(core, keys, self.errors)
        self.seen = {key: view.version(name) for key, name in self.names.items()}
        self.found: dict[K, V] = {}

    def tasks(self) -> list[tuple[K, str, Version | None]]:
        return [(key, name, self.seen[key]) for key, name in self.names.items()]

    def done(self, key: K, result: Read[V] | None) -> None:
        if result is not None:
            self.found[key] = result.value
            before = self.seen[key]
            self.view.advance(self.names[key], before.etag if before else None, result.version)

    def failed(self, key: K, exc: BaseException) -> None:
        if isinstance(exc, KeyError):
            return  # a missing key is left out, not an error
        self.errors[key] = exc

    def finish(self) -> dict[K, V]:
        if self.errors:
            raise BulkError("get_many", self.errors, tuple(self.found), self.found)
        return self.found


class SetBatch(Generic[K, V]):
    """``set_many``: tasks ``(key, name, value, seen)``; failures collected, others land."""

    def __init__(self, core: MappingCore[K, V], view: EtagView, pairs: Mapping[K, V]) -> None:
        self.view = view
        self.errors: dict[Any, BaseException] = {}
        self.names = names_of(core, pairs, self.errors)
        self.pairs = pairs
        self.seen = {key: view.version(name) for key, name in self.names.items()}
        self.landed: list[K] = []

    def tasks(self) -> list[tuple[K, str, V, Version | None]]:
        return [(k, n, self.pairs[k], self.seen[k]) for k, n in self.names.items()]

    def done(self, key: K, written: Written) -> None:
        if written.version is not None:  # None: landed, then replaced by another writer
            before = self.seen[key]
            self.view.advance(self.names[key], before.etag if before else None, written.version)
        self.landed.append(key)

    def failed(self, key: K, exc: BaseException) -> None:
        self.errors[key] = exc

    def finish(self) -> None:
        if self.errors:
            raise BulkError("set_many", self.errors, tuple(self.landed))


class DeleteBatch(Generic[K, V]):
    """``delete_many``: tasks ``(key, name, etag)``; keys not in the view fail with
    ``KeyError``. ``plan_chunk`` deletes a chunk through a provider's batch delete."""

    def __init__(self, core: MappingCore[K, V], view: EtagView, keys: Iterable[K]) -> None:
        self.core = core
        self.view = view
        self.errors: dict[Any, BaseException] = {}
        self.todo: dict[str, tuple[K, str]] = {}
        for key, name in names_of(core, keys, self.errors).items():
            etag = view.get(name)
            if etag is None:
                self.errors[key] = KeyError(key)
            else:
                self.todo[name] = (key, etag)
        self.deleted: list[K] = []

    def tasks(self) -> list[tuple[K, str, str]]:
        return [(key, name, etag) for name, (key, etag) in self.todo.items()]

    def chunks(self) -> list[list[str]]:
        names = list(self.todo)
        return [names[start : start + CHUNK] for start in range(0, len(names), CHUNK)]

    def done(self, key: K, name: str, etag: str) -> None:
        self.view.advance(name, etag, None)
        self.deleted.append(key)

    def failed(self, key: K, exc: BaseException) -> None:
        self.errors[key] = exc

    def plan_chunk(self, chunk: Sequence[str]) -> Plan[None]:
        """One batch delete of ``chunk``; each failure reconciled like a single delete."""
        failed: dict[str, BaseException] = yield Call(
            "delete_many", [(n, self.todo[n][1]) for n in chunk]
        )
        for name in chunk:
            key, etag = self.todo[name]
            if name in failed:
                try:  # reconcile like a single delete: gone is success
                    yield from self.core.plan_delete(key, name, etag)
                except Exception as exc:  # reported per key
                    self.failed(key, exc)
                    continue
            self.done(key, name, etag)

    def finish(self) -> None:
        if self.errors:
            raise BulkError("delete_many", self.errors, tuple(self.deleted))
