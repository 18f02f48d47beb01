"""Amazon S3 (and S3-compatible servers) over asyncio, through aiobotocore.

The same requests as :class:`S3Provider`, with the same conditions on them (``If-None-Match:
*`` for create-only puts, ``If-Match`` on overwrites, deletes and conditional reads,
``If-Match: *`` on deletes that must find their object), and the same error translation: the
provider keeps a sync ``S3Provider`` as its configuration and asks it for the error context
and the bucket creation, so both providers map every S3 answer to the same error.

With ``transport="obstore"`` (an argument of :class:`S3Provider`, kept in ``_config``), gets,
heads and puts go through obstore's async API on the sync provider's store, as
:class:`S3Provider` routes them; deletes keep the aiobotocore path, which carries their
``If-Match`` condition (obstore has none), as do listings and names obstore would rewrite.

Batch deletes and values over ``multipart_threshold`` are the exceptions: they run the sync
provider's ``delete_many`` (one request per 1000 objects) and multipart ``put`` (the
condition on CompleteMultipartUpload) in a worker thread, so that logic exists once.

The aiobotocore client belongs to the event loop that opened it; the provider opens it on
first use and again if it is used from another loop (a new ``asyncio.run``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError

try:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session
except ImportError as exc:  # pragma: no cover - exercised only without the async extra
    raise MissingDependencyError("aiobotocore", "async") from exc

from ._async_client import LoopClient
from ._async_cloud import AsyncCloudProvider, grow_pool, threaded_delete_many
from ._base import ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._conflicts import aretry_conflicts
from ._s3_client import _drop_expect, is_conflict
from ._s3_errors import classify
from ._s3_reads import downloaded, get_arguments
from ._s3_requests import put_condition, put_extra
from ._translate import Condition, NotModifiedError, arun, arun_iter
from .s3 import S3Provider

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

__all__ = ["AsyncS3Provider"]

_PAGE_SIZE = 1000


async def _close(opened: tuple[S3Client, Any]) -> None:
    await opened[1].__aexit__(None, None, None)


class AsyncS3Provider(AsyncCloudProvider[S3Provider]):
    """Objects in one S3 bucket over asyncio; the arguments are :class:`S3Provider`'s.

    ``create=True`` creates a missing bucket at first use (construction does no I/O).
    """

    max_object_size: int = S3Provider.max_object_size
    """A multipart upload takes at most 5 TiB (values over ``multipart_threshold`` use one)."""
    max_name_length: int = S3Provider.max_name_length

    _sync_type = S3Provider

    def __init__(self, bucket: str, *, create: bool = False, **options: Any) -> None:
        options.setdefault("max_pool_connections", 64)
        self._config = S3Provider(bucket, **options)
        self._create = create
        self._client: LoopClient[tuple[S3Client, Any]] = LoopClient(self._open, _close)

    @property
    def bucket(self) -> str:
        return self._config.bucket

    # --- client ---------------------------------------------------------------------------

    async def client(self) -> S3Client:
        """The aiobotocore S3 client of the running loop, opened on first use."""
        client, _ = await self._client.get()
        return client

    async def _open(self) -> tuple[S3Client, Any]:
        if self._create:
            await asyncio.to_thread(self._config._create_bucket)
            self._config.close()
            self._create = False
        state = self._config.__getstate__()
        kwargs = dict(state["client_kwargs"])
        config = AioConfig(
            retries={"mode": "standard"}, max_pool_connections=state["max_pool_connections"]
        )
        user_config = kwargs.pop("config", None)
        if user_config is not None:
            config = config.merge(user_config)
        cm = get_session().create_client(
            "s3",
            endpoint_url=state["endpoint_url"],
            region_name=state["region_name"],
            config=config,
            **kwargs,
        )
        client: S3Client = await arun(
            self._config._request("open client", None), classify, cm.__aenter__
        )
        client.meta.events.register("before-sign.s3.PutObject", _drop_expect)
        return client, cm

    def ensure_pool_size(self, size: int) -> None:
        grow_pool(self, size)

    # --- single objects -------------------------------------------------------------------

    async def _get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        kwargs, condition = get_arguments(self.bucket, name, if_match, if_none_match)
        request = self._config._request("get", name, condition, if_match)
        fast = await self._obstore(name)
        if fast is not None:
            return await fast.aget(request, name, if_match, if_none_match)
        client = await self.client()

        async def read() -> tuple[Any, bytes]:
            response = await client.get_object(**kwargs)
            async with response["Body"] as body:
                return response, await body.read()

        try:
            response, data = await arun(request, classify, read)
        except NotModifiedError:
            return None
        return downloaded(response, data)

    async def head(self, name: str) -> ObjectInfo:
        request = self._config._request("head", name)
        fast = await self._obstore(name)
        if fast is not None:
            return await fast.ahead(request, name)
        client = await self.client()
        response = await arun(
            request, classify, lambda: client.head_object(Bucket=self.bucket, Key=name)
        )
        return ObjectInfo(
            name, response["ETag"], response["ContentLength"], response.get("Metadata", {})
        )

    async def _put(self, name: str, data: bytes, mode: PutMode, options: PutOptions) -> str:
        put = put_request(self, name, data, mode, options)
        condition, headers = put_condition(put)
        request = self._config._request("put", name, condition, put.expected)
        fast = await self._obstore(put)
        if fast is not None:
            return await fast.aput(request, put)
        client = await self.client()  # creates the bucket first when create=True
        if len(put.data) > self._config.__getstate__()["multipart_threshold"]:
            # A large value: the sync provider's multipart upload (parts in parallel, the
            # condition on CompleteMultipartUpload, aborted on failure), in a worker thread;
            # at this size the thread costs nothing, and the upload logic exists once.
            return await asyncio.to_thread(self._config.put, name, put.data, mode=mode, **options)
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": name,
            "Body": put.data,
            **put_extra(put),
            **headers,
        }
        response = await arun(
            request,
            classify,
            lambda: aretry_conflicts(lambda: client.put_object(**kwargs), is_conflict),
        )
        etag: str = response["ETag"]
        return etag

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        condition = Condition.EXISTS if if_match is None else Condition.IF_MATCH
        client = await self.client()
        await arun(
            self._config._request("delete", name, condition, if_match),
            classify,
            lambda: aretry_conflicts(
                lambda: client.delete_object(
                    Bucket=self.bucket, Key=name, IfMatch="*" if if_match is None else if_match
                ),
                is_conflict,
            ),
        )

    # --- many objects ---------------------------------------------------------------------

    delete_many = threaded_delete_many
    """``DeleteObjects`` in batches of 1000, each object under its own ETag."""

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        client = await self.client()
        paginator = client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": _PAGE_SIZE}
        )
        async for page in arun_iter(self._config._request("list", None), classify, lambda: pages):
            for item in page.get("Contents", []):
                yield ObjectInfo(item["Key"], item["ETag"], item["Size"])
