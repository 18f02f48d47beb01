"""The in-process store over asyncio: a :class:`MemoryProvider` behind coroutines.

Its operations never block (a dict under a lock held for a few microseconds), so they run on
the event loop directly: this is :class:`ThreadedAsyncProvider` with the thread taken out.
The store can be shared with a synchronous ``MemoryProvider``: both see the same objects and
etags (``AsyncMemoryProvider(store=sync_provider)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from typing_extensions import ParamSpec

from ._async_threaded import ThreadedAsyncProvider
from .memory import MemoryProvider

if TYPE_CHECKING:
    pass

__all__ = ["AsyncMemoryProvider"]

T = TypeVar("T")
A = ParamSpec("A")


class AsyncMemoryProvider(ThreadedAsyncProvider[MemoryProvider]):
    """Objects in memory with exact etag semantics; each instance is its own store unless
    ``store`` names a :class:`MemoryProvider` to share. Pickling copies a snapshot."""

    _sync_type = MemoryProvider

    def __init__(self, store: MemoryProvider | None = None) -> None:
        super().__init__(store if store is not None else MemoryProvider())

    @property
    def store(self) -> MemoryProvider:
        """The synchronous provider holding the objects."""
        return self.sync

    def __repr__(self) -> str:
        return f"Async{self.sync!r}"

    async def _call(self, function: Callable[A, T], /, *args: A.args, **kwargs: A.kwargs) -> T:
        """On the loop itself: the store never blocks."""
        return function(*args, **kwargs)
