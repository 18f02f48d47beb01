"""Azure Blob Storage over asyncio, through ``azure.storage.blob.aio`` (on aiohttp).

The same requests, conditions and etag form (always quoted) as :class:`AzureBlobProvider`,
whose configuration, condition helpers and error table this provider shares: a sync
``AzureBlobProvider`` holds the account settings, so both providers accept the same
arguments and URLs and report every failure the same way. Its client is opened only for
batch deletes, which run the sync provider's ``delete_many`` in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError, ValueSizeError

try:
    import aiohttp  # noqa: F401  # the aio clients' transport: fail here, with the hint
    from azure.core import MatchConditions
    from azure.core.exceptions import HttpResponseError, ResourceExistsError
    from azure.storage.blob import ContentSettings
    from azure.storage.blob.aio import ContainerClient
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("aiohttp", "async") from exc

from ._async_client import LoopClient
from ._azure_errors import translated
from ._base import ObjectInfo, StoredObject
from ._registry import option_bool
from .azure import AzureBlobProvider, _condition, _quoted

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncAzureBlobProvider"]


def _put_options(if_match: str | None, create_only: bool) -> dict[str, Any]:
    """The one place a put's write mode becomes the SDK's keywords."""
    if create_only and if_match is not None:
        raise ValueError("put: create_only and if_match cannot both hold")
    # overwrite=False makes the SDK send If-None-Match: *
    return {"overwrite": not create_only, **_condition(if_match, MatchConditions.IfNotModified)}


async def _close(opened: tuple[ContainerClient, Any]) -> None:
    client, credential = opened
    await client.close()
    if credential is not None:
        await credential.close()


class AsyncAzureBlobProvider:
    """Blobs in one Azure Storage container over asyncio; the arguments are
    :class:`AzureBlobProvider`'s (a token ``credential`` must be an ``azure.identity.aio``
    one). Without a credential, ``azure.identity.aio.DefaultAzureCredential`` is used when
    azure-identity is installed. ``create=True`` creates the container at first use."""

    max_object_size: int = AzureBlobProvider.max_object_size
    max_name_length: int = AzureBlobProvider.max_name_length
    list_page_size: int = AzureBlobProvider.list_page_size

    def __init__(self, container: str, *, create: bool = False, **options: Any) -> None:
        self._config = AzureBlobProvider(container, **options)
        self._create = create
        self._client: LoopClient[tuple[ContainerClient, Any]] = LoopClient(self._open, _close)

    @classmethod
    def from_url_parts(cls, location: str, path: str, options: dict[str, str]) -> tuple[Self, str]:
        """The same ``az://container/prefix?...`` URLs and options as the sync provider."""
        create = option_bool(options, "create", default=False)  # at first use, not now
        sync, prefix = AzureBlobProvider.from_url_parts(location, path, options)
        return cls._wrap(sync, create=create), prefix

    @classmethod
    def from_sync(cls, provider: AzureBlobProvider) -> Self:
        """An async provider on the same container with the same settings as ``provider``
        (a token credential must then be an ``azure.identity.aio`` one)."""
        sync = AzureBlobProvider.__new__(AzureBlobProvider)
        sync.__setstate__(provider.__getstate__())
        return cls._wrap(sync, create=False)

    @classmethod
    def _wrap(cls, sync: AzureBlobProvider, *, create: bool) -> Self:
        self = cls.__new__(cls)
        self._config = sync
        self._create = create
        self._client = LoopClient(self._open, _close)
        return self

    # --- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._config.name

    @property
    def container(self) -> str:
        return self._config.container

    def __repr__(self) -> str:
        return f"Async{self._config!r}"

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self._config.__getstate__(), "create": self._create}

    def __setstate__(self, state: dict[str, Any]) -> None:
        sync = AzureBlobProvider.__new__(AzureBlobProvider)
        sync.__setstate__(state["config"])
        self.__dict__.update(self._wrap(sync, create=state["create"]).__dict__)

    # --- client ---------------------------------------------------------------------------

    async def _open(self) -> tuple[ContainerClient, Any]:
        config = self._config._config
        kwargs: dict[str, Any] = dict(config["client_kwargs"])
        kwargs.setdefault("connection_timeout", 20)
        kwargs.setdefault("read_timeout", 60)
        credential, owned = config["credential"], None
        if config["connection_string"] is not None:
            client = ContainerClient.from_connection_string(
                config["connection_string"], self.container, credential=credential, **kwargs
            )
        else:
            if credential is None and "sig=" not in config["account_url"]:
                with contextlib.suppress(ImportError):
                    from azure.identity.aio import DefaultAzureCredential

                    credential = owned = DefaultAzureCredential()
            client = ContainerClient(
                config["account_url"], self.container, credential=credential, **kwargs
            )
        if self._create:
            call = self._config._call("create container", None)
            with translated(call), contextlib.suppress(ResourceExistsError):
                await client.create_container()
            self._create = False
        return client, owned

    async def _container(self) -> ContainerClient:
        client, _ = await self._client.get()
        return client

    async def close(self) -> None:
        await self._client.close()
        self._config.close()  # the sync client of delete_many, if it was opened

    # --- single objects -------------------------------------------------------------------

    async def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        if if_match is not None:
            condition = _condition(if_match, MatchConditions.IfNotModified)
        else:
            condition = _condition(if_none_match, MatchConditions.IfModified)
        blob = (await self._container()).get_blob_client(name)
        with translated(self._config._call("get", name, if_match)):
            try:
                # decompress=False: the bytes are the caller's, whatever Content-Encoding says.
                stream = await blob.download_blob(decompress=False, **condition)
            except HttpResponseError as exc:
                if exc.status_code == 304:
                    return None
                raise
            data = await stream.readall()
        props = stream.properties
        etag = _quoted(props.etag)
        if if_match is not None and if_none_match is not None and etag == _quoted(if_none_match):
            return None
        settings = props.content_settings
        return StoredObject(
            data, etag, dict(props.metadata or {}), settings.content_type, settings.content_encoding
        )

    async def head(self, name: str) -> ObjectInfo:
        blob = (await self._container()).get_blob_client(name)
        with translated(self._config._call("head", name)):
            props = await blob.get_blob_properties()
        return ObjectInfo(name, _quoted(props.etag), props.size, dict(props.metadata or {}))

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        create_only: bool = False,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> str:
        options = _put_options(if_match, create_only)
        if len(data) > self.max_object_size:
            raise ValueSizeError(
                f"{len(data)} bytes is over the {self.max_object_size}-byte limit of {self.name}",
                key=name,
            )
        options["metadata"] = dict(metadata) if metadata else None
        options["content_settings"] = ContentSettings(
            content_type=content_type, content_encoding=content_encoding
        )
        blob = (await self._container()).get_blob_client(name)
        with translated(self._config._call("put", name, if_match, create_only)):
            result = await blob.upload_blob(data, length=len(data), **options)
        return _quoted(result["etag"])

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        blob = (await self._container()).get_blob_client(name)
        with translated(self._config._call("delete", name, if_match)):
            await blob.delete_blob(**_condition(if_match, MatchConditions.IfNotModified))

    # --- many objects ---------------------------------------------------------------------

    async def delete_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> dict[str, BaseException]:
        """Blob Batch deletes (256 blobs a request, each with its own ``If-Match``): the sync
        provider's batch delete (one logic for both), run in a worker thread."""
        await self._container()  # creates the container first when create=True
        return await asyncio.to_thread(self._config.delete_many, list(items))

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        client = await self._container()
        with translated(self._config._call("list", None)):
            pages = client.list_blobs(
                name_starts_with=prefix or None, results_per_page=self.list_page_size
            )
            async for blob in pages:
                yield ObjectInfo(blob.name, _quoted(blob.etag), blob.size)
