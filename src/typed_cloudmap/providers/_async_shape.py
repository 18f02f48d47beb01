"""The public method shapes of an async provider, written once.

:class:`AsyncOperations` holds the keyword-only signatures of ``get`` and ``put`` (the ones
:class:`~typed_cloudmap.providers.AsyncProvider` declares) and hands each call to a
positional hook, ``_get`` or ``_put``, that a provider implements with its own request. So
every async provider has the same signatures and defaults without repeating them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import OVERWRITE, PutMode, PutOptions, StoredObject

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncOperations"]


class AsyncOperations:
    """``get`` and ``put`` with the protocol's signatures, over the ``_get``/``_put`` hooks."""

    async def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        return await self._get(name, if_match, if_none_match)

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        mode: PutMode = OVERWRITE,
        **options: Unpack[PutOptions],
    ) -> str:
        return await self._put(name, data, mode, options)

    async def _get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        """Read one object (the arguments of :meth:`get`, positional)."""
        raise NotImplementedError

    async def _put(self, name: str, data: bytes, mode: PutMode, options: PutOptions) -> str:
        """Store one object (the arguments of :meth:`put`, positional)."""
        raise NotImplementedError
