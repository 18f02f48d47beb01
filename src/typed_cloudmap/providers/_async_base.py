"""The async provider seam: :class:`Provider`'s asyncio twin, same names, same error contract.

Every operation of :class:`~typed_cloudmap.providers.Provider` is a coroutine here (``list``
is an async iterator), with the same arguments and the same errors:

- a failed condition raises ``KeySyncError(name, expected_etag)``;
- a missing object raises ``KeyError(name)``;
- an object over the provider's size limit raises ``ValueSizeError``;
- anything else raises ``ProviderError`` with the SDK error as ``__cause__``.

Both protocols have the same attribute names, so ``isinstance`` cannot tell a sync provider
from an async one; :func:`ensure_async_provider` and :func:`ensure_sync_provider` look at
whether the operations are coroutine functions and refuse the wrong kind with a ``TypeError``
that says what to pass instead.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from typing_extensions import Unpack

from ._base import OVERWRITE, Limits, ObjectInfo, Provider, PutMode, PutOptions, StoredObject

__all__ = [
    "AsyncProvider",
    "AsyncSupportsBatchDelete",
    "ensure_async_provider",
    "ensure_sync_provider",
    "is_async_provider",
]

_COROUTINES = ("get", "head", "put", "delete", "close")


@runtime_checkable
class AsyncProvider(Limits, Protocol):
    """Bytes and etags under object names, over asyncio; see :class:`Provider` for the
    meaning of every argument. ``name``, ``max_object_size`` and ``max_name_length`` are
    plain attributes (no I/O)."""

    async def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        """Read one object; ``None`` when ``if_none_match`` names the stored version (304)."""
        ...

    async def head(self, name: str) -> ObjectInfo:
        """Etag, size and user metadata of one object; ``KeyError(name)`` if it is missing."""
        ...

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        mode: PutMode = OVERWRITE,
        **options: Unpack[PutOptions],
    ) -> str:
        """Store ``data`` and return the new etag (``mode`` and ``options`` as in
        :meth:`Provider.put`; implementations start with :func:`put_request`)."""
        ...

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        """Delete one object (conditions as in :meth:`Provider.delete`)."""
        ...

    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose name starts with ``prefix``, with etags, page by page."""
        ...

    async def close(self) -> None:
        """Release clients and pools; the provider reopens them lazily if used again."""
        ...


@runtime_checkable
class AsyncSupportsBatchDelete(Protocol):
    """An async provider with a native batch delete."""

    async def delete_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> dict[str, BaseException]:
        """Delete each ``(name, if_match)``; return the failures by name (empty: all gone)."""
        ...


def _coroutine_methods(obj: object) -> tuple[list[str], list[str]]:
    """(names of the protocol's operations that are coroutines, names that are not)."""
    asynchronous: list[str] = []
    synchronous: list[str] = []
    for attr in _COROUTINES:
        method = getattr(obj, attr, None)
        if method is None:
            continue
        (asynchronous if inspect.iscoroutinefunction(method) else synchronous).append(attr)
    return asynchronous, synchronous


def is_async_provider(obj: object) -> bool:
    """Whether ``obj`` has the :class:`AsyncProvider` surface with coroutine operations."""
    asynchronous, synchronous = _coroutine_methods(obj)
    return (
        isinstance(obj, AsyncProvider) and not synchronous and len(asynchronous) == len(_COROUTINES)
    )


def _kind(obj: object) -> str:
    return type(obj).__qualname__


def ensure_async_provider(obj: object) -> AsyncProvider:
    """``obj`` if it is an async provider; a ``TypeError`` saying what to do otherwise."""
    if is_async_provider(obj):
        return obj  # type: ignore[return-value]  # checked just above, beyond isinstance
    if isinstance(obj, Provider):
        raise TypeError(
            f"{_kind(obj)} is a synchronous provider; an async mapping needs an async one "
            f"(AsyncMemoryProvider, AsyncLocalProvider, AsyncS3Provider, AsyncAzureBlobProvider,"
            f" AsyncGCSProvider or a URL), or use CloudMapping for {_kind(obj)}"
        )
    raise TypeError(
        f"expected an async provider (typed_cloudmap.providers.AsyncProvider) or a URL, "
        f"got {_kind(obj)}"
    )


def ensure_sync_provider(obj: object) -> Provider:
    """``obj`` if it is a synchronous provider; a ``TypeError`` for an async one (the reverse
    of :func:`ensure_async_provider`, for the sync mapping)."""
    asynchronous, _ = _coroutine_methods(obj)
    if isinstance(obj, Provider) and not asynchronous:
        return obj
    if asynchronous:
        raise TypeError(
            f"{_kind(obj)} is an async provider; use AsyncCloudMapping with it, or pass a "
            f"synchronous provider (MemoryProvider, LocalProvider, S3Provider, ...) to "
            f"CloudMapping"
        )
    raise TypeError(
        f"expected a provider (typed_cloudmap.providers.Provider) or a URL, got {_kind(obj)}"
    )
