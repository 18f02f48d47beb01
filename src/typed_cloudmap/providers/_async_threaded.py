"""Any synchronous provider over asyncio, each blocking call in a worker thread.

Used where the work is file I/O (there is no portable async file API) or where a caller has
a sync provider and wants it on an event loop: every operation runs in
``asyncio.to_thread``, so the loop never blocks, and the wrapped provider keeps all of its
guarantees (the local provider's cross-process locks included). Listings are pulled from the
sync iterator a page at a time, so a huge listing never sits in memory at once.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from typing_extensions import ParamSpec

from ._async_shape import AsyncOperations
from ._base import (
    ObjectInfo,
    Provider,
    PutMode,
    PutOptions,
    StoredObject,
    SupportsBatchDelete,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ThreadedAsyncProvider"]

P = TypeVar("P", bound=Provider)
T = TypeVar("T")
A = ParamSpec("A")

_LIST_PAGE = 1000


def _page(iterator: Iterator[ObjectInfo]) -> list[ObjectInfo]:
    return list(itertools.islice(iterator, _LIST_PAGE))


class ThreadedAsyncProvider(AsyncOperations, Generic[P]):
    """The async face of ``sync``: same objects, same etags, same errors. Every call goes
    through :meth:`_call` (a worker thread here; a provider that never blocks overrides it)."""

    _sync_type: ClassVar[Any]
    """In a subclass: the sync provider class whose URLs :meth:`from_url_parts` takes."""

    def __init__(self, sync: P) -> None:
        self._sync = sync

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """The same URLs and options as the sync provider (``_sync_type``), wrapped."""
        sync, prefix = cls._sync_type.from_url_parts(location, path, options)
        return cls(sync), prefix

    @property
    def sync(self) -> P:
        """The wrapped synchronous provider (share it with a sync mapping freely)."""
        return self._sync

    @property
    def name(self) -> str:
        return self._sync.name

    @property
    def max_object_size(self) -> int:
        return self._sync.max_object_size

    @property
    def max_name_length(self) -> int:
        return self._sync.max_name_length

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._sync!r})"

    async def _call(self, function: Callable[A, T], /, *args: A.args, **kwargs: A.kwargs) -> T:
        """Run one blocking call of the wrapped provider off the event loop."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def _get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        return await self._call(
            self._sync.get, name, if_match=if_match, if_none_match=if_none_match
        )

    async def head(self, name: str) -> ObjectInfo:
        return await self._call(self._sync.head, name)

    async def _put(self, name: str, data: bytes, mode: PutMode, options: PutOptions) -> str:
        return await self._call(self._sync.put, name, data, mode=mode, **options)

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        await self._call(self._sync.delete, name, if_match=if_match)

    async def delete_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> dict[str, BaseException]:
        """The wrapped provider's batch delete if it has one, else one delete per item."""
        sync: Provider = self._sync
        if isinstance(sync, SupportsBatchDelete):
            return await self._call(sync.delete_many, items)
        failures: dict[str, BaseException] = {}
        for name, etag in items:
            try:
                await self.delete(name, if_match=etag)
            except Exception as exc:  # reported per name, like the batch deletes do
                failures[name] = exc
        return failures

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        iterator = iter(self._sync.list(prefix))
        while True:
            page = await self._call(_page, iterator)
            for info in page:
                yield info
            if len(page) < _LIST_PAGE:
                return

    async def close(self) -> None:
        await self._call(self._sync.close)
