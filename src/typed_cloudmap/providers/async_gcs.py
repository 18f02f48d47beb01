"""Google Cloud Storage over asyncio: an aiohttp client of the JSON API, generations as etags.

The same conditions as :class:`GCSProvider`: writes carry ``ifGenerationMatch`` (``0`` for
create-only), deletes likewise, reads ``ifGenerationMatch`` / ``ifGenerationNotMatch``. A read
is one media download whose headers carry the generation and the user metadata. Errors are
classified as the sync provider's (``_gcs_errors.classify``) for the one table in
``_translate``, so both providers say the same thing for the same answer. The JSON API is
what fake-gcs-server implements (the XML API, which obstore speaks, it does not), so every
path here runs in the tests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import MissingDependencyError

try:
    from google.api_core import exceptions as api_exceptions

    from ._gcs_errors import classify
    from ._gcs_http import GCSHttp
    from ._gcs_session import (
        GCSSettings,
        _generation,
        downloaded,
        generation_match,
        put_generation,
    )
except ImportError as exc:  # pragma: no cover - exercised only without the extras
    raise MissingDependencyError("aiohttp", "async") from exc

from ._async_client import LoopClient
from ._async_cloud import AsyncCloudProvider, grow_pool
from ._base import ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._translate import Condition, NotModifiedError, Request, arun, run
from .gcs import GCSProvider

if TYPE_CHECKING:
    pass

__all__ = ["AsyncGCSProvider"]

_LIST_FIELDS = "items(name,generation,size),nextPageToken"


def _condition(name: str, if_match: str | None) -> dict[str, str]:
    match = generation_match(name, if_match)
    return {} if match is None else {"ifGenerationMatch": str(match)}


async def _close(http: GCSHttp) -> None:
    await http.close()


class AsyncGCSProvider(AsyncCloudProvider[GCSProvider]):
    _sync_type = GCSProvider

    """Objects in one GCS bucket over asyncio; the arguments are :class:`GCSProvider`'s
    (``credentials`` default to ``google.auth.default``; an ``endpoint_url`` or
    ``STORAGE_EMULATOR_HOST`` means an emulator and unsigned requests). ``create=True``
    creates the bucket at first use."""

    max_object_size: int = GCSProvider.max_object_size
    max_name_length: int = GCSProvider.max_name_length

    def __init__(self, bucket: str, *, create: bool = False, **options: Any) -> None:
        options.setdefault("max_pool_connections", 64)
        self._config = GCSProvider(bucket, **options)
        self._create = create
        self._client: LoopClient[GCSHttp] = LoopClient(self._open, _close)

    @property
    def bucket(self) -> str:
        return self._config.bucket

    async def _open(self) -> GCSHttp:
        state = self._config.__getstate__()
        settings = GCSSettings(
            bucket=state["bucket"],
            project=state["project"],
            credentials=state["credentials"],
            endpoint_url=state["endpoint_url"],
            max_pool_connections=state["max_pool_connections"],
        )
        request = self._request("open", None)
        http = run(request, classify, lambda: GCSHttp(settings, self.name))
        if self._create:
            try:
                await self._create_bucket(http)
            except BaseException:
                await http.close()
                raise
            self._create = False
        return http

    async def _create_bucket(self, http: GCSHttp) -> None:
        body = json.dumps({"name": self.bucket}).encode()
        # A 409 Conflict means the bucket exists already: that is what we wanted.

        async def create() -> None:
            with contextlib.suppress(api_exceptions.Conflict):
                await http.request(
                    "POST",
                    f"{http.base}/storage/v1/b",
                    params={"project": http.project or ""},
                    data=body,
                    headers={"content-type": "application/json"},
                )

        await arun(self._request("create bucket", None), classify, create)

    def ensure_pool_size(self, size: int) -> None:
        grow_pool(self, size)

    def _request(self, operation: str, name: str | None, expected: str | None = None) -> Request:
        """What a failure is about (``IF_MATCH`` when an etag is expected), with the sync
        provider's secrets to mask."""
        condition = Condition.NONE if expected is None else Condition.IF_MATCH
        secrets = self._config._secrets()
        return Request(self.name, operation, name, condition, expected, secrets)

    def _object_url(self, http: GCSHttp, name: str) -> str:
        return f"{http.base}/storage/v1/b/{quote(self.bucket, safe='')}/o/{quote(name, safe='')}"

    # --- operations -----------------------------------------------------------------------

    async def _get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        params = {"alt": "media", **_condition(name, if_match)}
        if if_none_match is not None:
            not_match = _generation(if_none_match)
            if not_match is not None:
                params["ifGenerationNotMatch"] = str(not_match)
        http = await self._client.get()
        try:
            reply = await arun(
                self._request("get", name, if_match),
                classify,
                lambda: http.request(
                    "GET",
                    self._object_url(http, name),
                    params=params,
                    headers={"accept-encoding": "identity"},  # the stored bytes, as stored
                ),
            )
        except NotModifiedError:
            return None
        return downloaded(name, reply.body, reply.headers, if_match, if_none_match)

    async def head(self, name: str) -> ObjectInfo:
        http = await self._client.get()
        reply = await arun(
            self._request("head", name),
            classify,
            lambda: http.request("GET", self._object_url(http, name)),
        )
        item = json.loads(reply.body)
        metadata = {key.lower(): value for key, value in (item.get("metadata") or {}).items()}
        return ObjectInfo(name, str(item["generation"]), int(item["size"]), metadata)

    async def _put(self, name: str, data: bytes, mode: PutMode, options: PutOptions) -> str:
        put = put_request(self, name, data, mode, options)
        match = put_generation(put)
        content_type, metadata = put.content_type, put.metadata
        content_encoding = put.content_encoding
        resource: dict[str, Any] = {
            "name": name,
            "contentType": content_type or "application/octet-stream",
        }
        if metadata:
            resource["metadata"] = dict(metadata)
        if content_encoding:
            resource["contentEncoding"] = content_encoding
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f"--{boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n".encode(),
                json.dumps(resource).encode(),
                f"\r\n--{boundary}\r\ncontent-type: {resource['contentType']}\r\n\r\n".encode(),
                put.data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        params = {"uploadType": "multipart", "fields": "generation"}
        if match is not None:
            params["ifGenerationMatch"] = str(match)
        http = await self._client.get()
        url = f"{http.base}/upload/storage/v1/b/{quote(self.bucket, safe='')}/o"
        request = self._request("put", name, put.expected)
        if match == 0 and put.expected is None:  # a create-only write
            request = dataclasses.replace(request, condition=Condition.CREATE_ONLY)
        reply = await arun(
            request,
            classify,
            lambda: http.request(
                "POST",
                url,
                params=params,
                data=body,
                headers={"content-type": f"multipart/related; boundary={boundary}"},
                retry=match is not None,  # only a conditional write is safe to repeat
            ),
        )
        return str(json.loads(reply.body)["generation"])

    async def delete(self, name: str, *, if_match: str | None = None) -> None:
        params = _condition(name, if_match)
        http = await self._client.get()
        await arun(
            self._request("delete", name, if_match),
            classify,
            lambda: http.request(
                "DELETE", self._object_url(http, name), params=params, retry=bool(params)
            ),
        )

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        http = await self._client.get()
        url = f"{http.base}/storage/v1/b/{quote(self.bucket, safe='')}/o"
        params = {"maxResults": "1000", "fields": _LIST_FIELDS}
        if prefix:
            params["prefix"] = prefix
        while True:
            reply = await arun(
                self._request("list", None),
                classify,
                lambda: http.request("GET", url, params=params),
            )
            page = json.loads(reply.body)
            for item in page.get("items", []):
                yield ObjectInfo(item["name"], str(item["generation"]), int(item["size"]))
            token = page.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token
