"""The in-process store over asyncio: a :class:`MemoryProvider` behind coroutines.

Its operations never block (a dict under a lock held for a few microseconds), so they run on
the event loop directly. The store can be shared with a synchronous ``MemoryProvider``: both
see the same objects and etags (``AsyncMemoryProvider(store=sync_provider)``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from ._base import OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject
from .memory import MemoryProvider

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

__all__ = ["AsyncMemoryProvider"]


class AsyncMemoryProvider:
    """Objects in memory with exact etag semantics; each instance is its own store unless
    ``store`` names a :class:`MemoryProvider` to share. Pickling copies a snapshot."""

    def __init__(self, store: MemoryProvider | None = None) -> None:
        self._store = store if store is not None else MemoryProvider()

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """``memory://NAME`` is the process's store called NAME, shared with sync mappings."""
        store, prefix = MemoryProvider.from_url_parts(location, path, options)
        return cls(store), prefix

    @property
    def store(self) -> MemoryProvider:
        """The synchronous provider holding the objects."""
        return self._store

    @property
    def name(self) -> str:
        return self._store.name

    @property
    def max_object_size(self) -> int:
        return self._store.max_object_size

    @property
    def max_name_length(self) -> int:
        return self._store.max_name_length

    def __repr__(self) -> str:
        return f"Async{self._store!r}"

    async def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        return self._store.get(name, if_match=if_match, if_none_match=if_none_match)

    async def head(self, name: str) -> ObjectInfo:
        return self._store.head(name)

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        mode: PutMode = OVERWRITE,
        **options: Unpack[PutOptions],
    ) -> str:
        return self._store.put(name, data, mode=mode, **options)

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        self._store.delete(name, if_match=if_match)

    async def delete_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> dict[str, BaseException]:
        return self._store.delete_many(items)

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        for info in self._store.list(prefix):
            yield info

    async def close(self) -> None:
        """Nothing to release."""
