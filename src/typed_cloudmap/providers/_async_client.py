"""One SDK client per event loop, opened at first use: what every async cloud provider needs.

aiohttp-based clients (aiobotocore, the Azure SDK's aio clients, our GCS client) belong to
the loop they were opened on. A provider may outlive a loop (a new ``asyncio.run`` per test,
per CLI command), so the client is reopened when the running loop is another one; the old
client cannot be closed from the new loop and is dropped with its loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["LoopClient"]

T = TypeVar("T")


class LoopClient(Generic[T]):
    """``await holder.get()`` is the running loop's client, opened once by ``open_client``."""

    def __init__(
        self,
        open_client: Callable[[], Awaitable[T]],
        close_client: Callable[[T], Awaitable[None]],
    ) -> None:
        self._open = open_client
        self._close = close_client
        self._client: T | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._retired: list[T] = []

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        client = self._client
        if client is not None and self._loop is loop:
            return client
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop, self._client = asyncio.Lock(), loop, None
        async with self._lock:
            if self._client is None:
                self._client = await self._open()
            return self._client

    def peek(self) -> T | None:
        """The client opened last, or ``None`` if none is open (never opens one)."""
        return self._client

    def retire(self) -> None:
        """Open a new client at the next ``get`` (new settings); calls in flight finish on
        the old one, which ``close`` closes."""
        if self._client is not None:
            self._retired.append(self._client)
            self._client = None

    async def close(self) -> None:
        """Close the clients this loop opened; the next ``get`` opens a new one."""
        self.retire()
        clients, self._retired = self._retired, []
        if self._loop is asyncio.get_running_loop():
            for client in clients:
                await self._close(client)
