"""An in-process provider with exact etag semantics: the reference model for the others."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import KeySyncError
from ._base import CREATE, OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject, put_request

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

__all__ = ["MemoryProvider"]

_instances = itertools.count(1)

# ``memory://NAME`` stores, shared by every mapping of this process that names them.
_named: dict[str, MemoryProvider] = {}
_named_lock = threading.Lock()


class MemoryProvider:
    """Objects in a dict guarded by a lock; each instance is its own store.

    Every version gets a fresh etag, so identical bytes written twice are two versions (the
    strictest reading of etag semantics). A pickled copy carries a snapshot of the objects.
    """

    max_object_size: int = 5 * 1024**4
    max_name_length: int = 1024
    url_options = ()
    """``memory://`` URLs take no options of their own (see ``_options``)."""

    def __init__(self) -> None:
        self._objects: dict[str, StoredObject] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._instance = next(_instances)

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """``memory://`` is a fresh store; ``memory://NAME`` is the one store of this process
        called NAME (created on first use); the path is the prefix."""
        if not location:
            return cls(), path
        with _named_lock:
            store = _named.get(location)
            if isinstance(store, cls):
                return store, path
            fresh = cls()
            _named[location] = fresh
        return fresh, path

    def __repr__(self) -> str:
        return f"MemoryProvider(<{len(self._objects)} objects>)"

    @property
    def name(self) -> str:
        return f"memory://#{self._instance}"

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {"objects": dict(self._objects)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]  # re-run construction to get a fresh lock
        self._objects.update(state["objects"])

    def _new_etag(self) -> str:
        return f'"{self._instance}-{next(self._ids)}"'

    def _check(self, name: str, current: StoredObject | None, if_match: str | None) -> None:
        if if_match is not None and (current is None or current.etag != if_match):
            raise KeySyncError(name, if_match)

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        with self._lock:
            current = self._objects.get(name)
        if current is None:
            if if_match is not None:
                raise KeySyncError(name, if_match)
            raise KeyError(name)
        self._check(name, current, if_match)
        if if_none_match is not None and current.etag == if_none_match:
            return None
        return current  # immutable: bytes in a frozen record, metadata copied on write

    def head(self, name: str) -> ObjectInfo:
        with self._lock:
            current = self._objects.get(name)
        if current is None:
            raise KeyError(name)
        return ObjectInfo(name, current.etag, len(current.data), current.metadata)

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        request = put_request(self, name, data, mode, options)
        version = StoredObject(
            request.data,
            self._new_etag(),
            request.metadata,
            request.content_type,
            request.content_encoding,
        )
        with self._lock:
            current = self._objects.get(name)
            if mode == CREATE and current is not None:
                raise KeySyncError(name, None)
            self._check(name, current, request.expected)
            self._objects[name] = version
        return version.etag

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        with self._lock:
            current = self._objects.get(name)
            self._check(name, current, if_match)
            if current is None:
                raise KeyError(name)
            del self._objects[name]

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        failures: dict[str, BaseException] = {}
        for name, etag in items:
            try:
                self.delete(name, if_match=etag)
            except (KeyError, KeySyncError) as exc:
                failures[name] = exc
        return failures

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._lock:
            snapshot = [(n, v) for n, v in self._objects.items() if n.startswith(prefix)]
        for name, version in sorted(snapshot):
            yield ObjectInfo(name, version.etag, len(version.data))

    def close(self) -> None:
        """Nothing to release: the objects live as long as the instance."""
