"""What the async cloud providers share: a sync provider as their configuration.

:class:`AsyncS3Provider`, :class:`AsyncAzureBlobProvider` and :class:`AsyncGCSProvider` each
keep a synchronous provider of their service as ``_config`` (its settings, its secrets to
mask, its error context) and a ``create`` flag honoured at first use. This base gives them,
once, the parts that only read that configuration: ``name``, ``repr``, pickling,
``from_sync``, ``from_url_parts``, and the choice of transport: with ``transport="obstore"``
the sync provider's :class:`~._obstore.ObstoreTransport` (the same store, on obstore's async
API) takes the requests it takes for the sync provider, and the rest go through the aio SDK.
A subclass names its sync class in ``_sync_type`` and may override ``_from_state`` (how it
is built from the sync provider's pickled state).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from ._async_client import LoopClient
from ._async_shape import AsyncOperations
from ._base import PutRequest
from ._options import option_bool

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._obstore import ObstoreTransport
    from ._transports import Transport

__all__ = ["AsyncCloudProvider", "grow_pool", "threaded_delete_many"]


class _SyncConfig(Protocol):
    """What the base reads of the sync provider: its name and its picklable settings."""

    @property
    def name(self) -> str: ...

    def __getstate__(self) -> dict[str, Any]: ...

    def close(self) -> None: ...

    @property
    def _fast(self) -> ObstoreTransport | None:
        """The obstore transport (``transport="obstore"``), else ``None``."""


C = TypeVar("C", bound=_SyncConfig)


class AsyncCloudProvider(AsyncOperations, Generic[C]):
    """An async provider configured by the sync provider ``_config`` of the same service."""

    _sync_type: ClassVar[Any]
    """The sync provider class (its ``from_url_parts`` parses this provider's URLs)."""
    _config: C
    _create: bool
    _client: LoopClient[Any]
    """The loop's SDK client (opened at first use, which creates the bucket if asked)."""

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """The same URLs and options as the sync provider (``create`` at first use)."""
        create = option_bool(options, "create", default=False)  # at first use, not now
        sync, prefix = cls._sync_type.from_url_parts(location, path, options)
        return cls._from_state(sync.__getstate__(), create=create), prefix

    @classmethod
    def from_sync(cls, provider: C) -> Self:
        """An async provider on the same bucket or container with the same settings."""
        return cls._from_state(provider.__getstate__(), create=False)

    @classmethod
    def _from_state(cls, state: dict[str, Any], *, create: bool) -> Self:
        """Built from the sync provider's ``__getstate__`` (its keys are the arguments)."""
        return cls(**state, create=create)  # type: ignore[call-arg]  # a subclass __init__ takes these

    @property
    def name(self) -> str:
        return self._config.name

    def __repr__(self) -> str:
        return f"Async{self._config!r}"

    @property
    def transport(self) -> Transport:
        """``"obstore"`` when the sync configuration holds an obstore transport, else ``"sdk"``."""
        return "sdk" if self._config._fast is None else "obstore"

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self._config.__getstate__(), "create": self._create}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(self._from_state(state["config"], create=state["create"]).__dict__)
        if self._config._fast is not None:  # unpickled copies share one obstore store
            self._config._fast.shared = True  # per process, as the sync providers' copies do

    async def _obstore(self, request: str | PutRequest) -> ObstoreTransport | None:
        """The sync provider's obstore transport (its one store) when it takes this request:
        a read of this name, or this write; ``None`` for the SDK path.
        Opens the SDK client first when it has a bucket or container to create."""
        fast = self._config._fast
        if fast is None:
            return None
        if not (fast.handles(request) if isinstance(request, str) else fast.takes_put(request)):
            return None
        if self._create:
            await self._client.get()
        return fast

    async def close(self) -> None:
        """Close the client's connections (the next call opens a new client) and the sync
        provider's client, if a batch delete opened it."""
        await self._client.close()
        self._config.close()


def grow_pool(provider: AsyncCloudProvider[Any], size: int) -> None:
    """``ensure_pool_size``: hold at least ``size`` connections (for that many requests in
    flight) in the sync configuration; a live client is replaced at next use."""
    if size > provider._config.__getstate__()["max_pool_connections"]:
        provider._config.ensure_pool_size(size)
        provider._client.retire()


async def threaded_delete_many(
    self: AsyncCloudProvider[Any], items: Sequence[tuple[str, str | None]]
) -> dict[str, BaseException]:
    """The sync provider's batch delete (one logic for both), run in a worker thread once the
    client is open (which creates the bucket or container first when ``create=True``).

    A provider's ``delete_many``: assign it in the class body."""
    await self._client.get()
    return await asyncio.to_thread(self._config.delete_many, list(items))
