"""Azure Blob Storage over asyncio, through ``azure.storage.blob.aio`` (on aiohttp).

The same requests, conditions and etag form (always quoted) as :class:`AzureBlobProvider`,
whose configuration, condition helpers and error table this provider shares: a sync
``AzureBlobProvider`` holds the account settings, so both providers accept the same
arguments and URLs and report every failure the same way. Its client is opened only for
batch deletes, which run the sync provider's ``delete_many`` in a worker thread.

With ``transport="obstore"``, gets, heads and puts go through obstore's async API
on the sync provider's store (its etags normalised to the quoted form, as the sync transport
does); deletes keep the aio SDK path, which carries their ``If-Match`` condition, and so do
listings.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError

try:
    import aiohttp  # noqa: F401  # the aio clients' transport: fail here, with the hint
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob.aio import ContainerClient
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("aiohttp", "async") from exc

from ._async_client import LoopClient
from ._async_cloud import AsyncCloudProvider, threaded_delete_many
from ._azure_errors import classify
from ._azure_requests import _condition, _quoted, downloaded, put_options, read_condition
from ._base import ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._translate import NotModifiedError, arun, arun_iter
from .azure import AzureBlobProvider

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncAzureBlobProvider"]


async def _close(opened: tuple[ContainerClient, Any]) -> None:
    client, credential = opened
    await client.close()
    if credential is not None:
        await credential.close()


class AsyncAzureBlobProvider(AsyncCloudProvider[AzureBlobProvider]):
    """Blobs in one Azure Storage container over asyncio; the arguments are
    :class:`AzureBlobProvider`'s (a token ``credential`` must be an ``azure.identity.aio``
    one). Without a credential, ``azure.identity.aio.DefaultAzureCredential`` is used when
    azure-identity is installed. ``create=True`` creates the container at first use."""

    _sync_type = AzureBlobProvider
    max_object_size: int = AzureBlobProvider.max_object_size
    max_name_length: int = AzureBlobProvider.max_name_length
    list_page_size: int = AzureBlobProvider.list_page_size

    def __init__(self, container: str, *, create: bool = False, **options: Any) -> None:
        self._config = AzureBlobProvider(container, **options)
        self._create = create
        self._client: LoopClient[tuple[ContainerClient, Any]] = LoopClient(self._open, _close)

    @classmethod
    def _from_state(cls, state: dict[str, Any], *, create: bool) -> Self:
        sync = AzureBlobProvider.__new__(AzureBlobProvider)
        sync.__setstate__(state)
        self = cls.__new__(cls)
        self._config = sync
        self._create = create
        self._client = LoopClient(self._open, _close)
        return self

    @property
    def container(self) -> str:
        return self._config.container

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

            async def create() -> None:
                with contextlib.suppress(ResourceExistsError):
                    await client.create_container()

            await arun(self._config._request("create container", None), classify, create)
            self._create = False
        return client, owned

    async def _container(self) -> ContainerClient:
        client, _ = await self._client.get()
        return client

    # --- single objects -------------------------------------------------------------------

    async def _get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        request = self._config._request("get", name, if_match)
        fast = await self._obstore(name)
        if fast is not None:
            return await fast.aget(request, name, if_match, if_none_match)
        condition = read_condition(if_match, if_none_match)
        blob = (await self._container()).get_blob_client(name)

        async def read() -> tuple[Any, bytes]:
            # decompress=False: the bytes are the caller's, whatever Content-Encoding says.
            stream = await blob.download_blob(decompress=False, **condition)
            return stream.properties, await stream.readall()

        try:
            props, data = await arun(request, classify, read)
        except NotModifiedError:
            return None
        return downloaded(props, data, if_match, if_none_match)

    async def head(self, name: str) -> ObjectInfo:
        request = self._config._request("head", name)
        fast = await self._obstore(name)
        if fast is not None:
            return await fast.ahead(request, name)
        blob = (await self._container()).get_blob_client(name)
        props = await arun(request, classify, blob.get_blob_properties)
        return ObjectInfo(name, _quoted(props.etag), props.size, dict(props.metadata or {}))

    async def _put(self, name: str, data: bytes, mode: PutMode, options: PutOptions) -> str:
        put = put_request(self, name, data, mode, options)
        upload, condition = put_options(put)
        request = self._config._request("put", name, put.expected, condition)
        fast = await self._obstore(put)
        if fast is not None:
            return await fast.aput(request, put)
        blob = (await self._container()).get_blob_client(name)
        result = await arun(
            request,
            classify,
            lambda: blob.upload_blob(put.data, length=len(put.data), **upload),
        )
        return _quoted(result["etag"])

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        blob = (await self._container()).get_blob_client(name)
        condition = _condition(if_match, MatchConditions.IfNotModified)
        await arun(
            self._config._request("delete", name, if_match),
            classify,
            lambda: blob.delete_blob(**condition),
        )

    # --- many objects ---------------------------------------------------------------------

    delete_many = threaded_delete_many
    """Blob Batch deletes (256 blobs a request, each with its own ``If-Match``)."""

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        client = await self._container()
        blobs = arun_iter(
            self._config._request("list", None),
            classify,
            lambda: client.list_blobs(
                name_starts_with=prefix or None, results_per_page=self.list_page_size
            ),
        )
        async for blob in blobs:
            yield ObjectInfo(blob.name, _quoted(blob.etag), blob.size)
