"""Amazon S3 (and S3-compatible servers) through boto3, with S3's conditional writes.

Every single-object operation is one HTTP request whose condition rides on it:
create-only PUTs send ``If-None-Match: *``, overwrites and deletes ``If-Match: <etag>``,
and a delete without an etag sends ``If-Match: *`` so that a missing object is reported
(plain S3 deletes answer 204 whether or not the object existed).

``transport="obstore"`` sends gets, heads and puts through obstore (see ``_obstore``);
deletes keep the SDK path, which carries their ``If-Match`` condition, and so do listings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from ..errors import MissingDependencyError

try:
    import boto3  # noqa: F401  # imported first so a missing extra fails here, with the hint
except ImportError as exc:  # pragma: no cover - exercised only without the s3 extra
    raise MissingDependencyError("boto3", "s3") from exc

from ._base import (
    OVERWRITE,
    ObjectInfo,
    PutMode,
    PutOptions,
    StoredObject,
    put_request,
)
from ._obstore_stores import check_options, s3_store
from ._options import declare, take_options
from ._redact import describe, endpoint_secrets, split_userinfo
from ._s3_batch import delete_batches
from ._s3_client import create_bucket, make_client, retry_conflicts
from ._s3_errors import classify, classify_code
from ._s3_multipart import MIN_PART_SIZE, put_multipart
from ._s3_reads import downloaded, get_arguments
from ._s3_requests import put_condition, put_extra
from ._shared import LazyClient
from ._translate import Condition, NotModifiedError, Request, library_error, run, run_iter
from ._transports import Transport, check_transport, obstore_transport

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from obstore.store import S3Store
    from typing_extensions import Unpack

T = TypeVar("T")

__all__ = ["S3Provider"]

_PAGE_SIZE = 1000
_SECRET_KWARGS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
_RESERVED_KWARGS = frozenset({"service_name", "endpoint_url", "region_name"})
# What a bucket name may hold (S3's rules are stricter; this refuses what cannot be one, such
# as ``KEY:SECRET@bucket`` from a URL, without echoing it).
_BUCKET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")


class S3Provider:
    """Objects in one S3 bucket; etags are S3's ETags, conditions are S3's conditional requests.

    ``client_kwargs`` go to ``boto3.session.Session().client("s3", ...)`` (for example
    ``aws_access_key_id``, ``aws_secret_access_key`` or a botocore ``config``, merged over
    this provider's standard-retry, ``max_pool_connections`` defaults). Credentials otherwise
    come from boto3's default chain. The client is created on first use, once per instance,
    and again after unpickling; ``create=True`` creates the bucket now if it is missing.
    """

    max_object_size: int = 5 * 1024**4
    """A multipart upload takes at most 5 TiB (values over ``multipart_threshold`` use one)."""
    max_name_length: int = 1024
    """S3 object keys are at most 1024 bytes of UTF-8."""
    url_options = declare(
        endpoint_url=str,
        region_name=str,
        create=bool,
        max_pool_connections=int,
        multipart_threshold=int,
        transport=str,
    )
    """The query options of this provider's URLs (see ``_options``)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        create: bool = False,
        client_kwargs: Mapping[str, Any] | None = None,
        max_pool_connections: int = 16,
        multipart_threshold: int = 64 * 1024**2,
        transport: Transport = "sdk",
        obstore_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not bucket or not _BUCKET_CHARS.issuperset(bucket):
            shown = repr(bucket) if "@" not in bucket and ":" not in bucket else "(withheld)"
            raise ValueError(f"not an S3 bucket name: {shown}")
        reserved = _RESERVED_KWARGS.intersection(client_kwargs or {})
        if reserved:
            raise TypeError(f"pass {sorted(reserved)} as S3Provider arguments, not client_kwargs")
        self._bucket = bucket
        self._endpoint_url = endpoint_url
        self._region_name = region_name
        self._client_kwargs: dict[str, Any] = dict(client_kwargs or {})
        self._multipart_threshold = max(multipart_threshold, MIN_PART_SIZE)
        self._secret_values = self._secrets()
        self._clients = LazyClient("s3", self._open_client, self.__getstate__, max_pool_connections)
        self._transport: Transport = check_transport(transport, "S3Provider", ("sdk", "obstore"))
        self._obstore_options = check_options(obstore_options)
        self._fast = None
        if transport == "obstore":
            self._fast = obstore_transport(
                "s3",
                self._open_store,
                self.__getstate__,
                max_pool_connections,
                multipart_threshold=self._multipart_threshold,
            )
        if create:
            self._create_bucket()

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[S3Provider, str]:
        """``s3://[KEY:SECRET@]bucket/prefix?endpoint_url=...&region_name=...&create=true``.

        Pops the options of :attr:`url_options` and leaves the rest to the caller. A
        ``KEY:SECRET@`` (percent-encoded as needed) gives the access key and secret key, as
        in s3fs; it is kept only with the client's credentials, never in the name.
        """
        userinfo, bucket = split_userinfo(location)
        kwargs = take_options(cls.url_options, options)
        if userinfo:
            key, _, secret = userinfo.partition(":")
            kwargs["client_kwargs"] = {
                "aws_access_key_id": unquote(key),
                "aws_secret_access_key": unquote(secret),
            }
        return cls(bucket, **kwargs), path

    # --- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"s3://{self._bucket}"

    @property
    def bucket(self) -> str:
        return self._bucket

    def __repr__(self) -> str:
        return describe(
            "S3Provider",
            bucket=self._bucket,
            endpoint_url=self._endpoint_url,
            region_name=self._region_name,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            "bucket": self._bucket,
            "endpoint_url": self._endpoint_url,
            "region_name": self._region_name,
            "client_kwargs": self._client_kwargs,
            "max_pool_connections": self._clients.pool_size,
            "multipart_threshold": self._multipart_threshold,
            "transport": self._transport,
            "obstore_options": self._obstore_options,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]  # re-run construction for a fresh lock, no client
            state["bucket"],
            endpoint_url=state["endpoint_url"],
            region_name=state["region_name"],
            client_kwargs=state["client_kwargs"],
            max_pool_connections=state["max_pool_connections"],
            multipart_threshold=state.get("multipart_threshold", 64 * 1024**2),
            transport=state.get("transport", "sdk"),
            obstore_options=state.get("obstore_options"),
        )
        self._clients.shared = True  # copies in one process share one client (see _shared)
        if self._fast is not None:
            self._fast.shared = True

    # --- client ---------------------------------------------------------------------------

    @property
    def client(self) -> S3Client:
        """The boto3 S3 client, created on first use (thread-safe)."""
        return self._clients.get()

    def _open_client(self, pool_size: int) -> S3Client:
        return make_client(
            endpoint_url=self._endpoint_url,
            region_name=self._region_name,
            client_kwargs=self._client_kwargs,
            max_pool_connections=pool_size,
        )

    @property
    def transport(self) -> Transport:
        """``"sdk"`` (boto3) or ``"obstore"`` (see ``_obstore``)."""
        return self._transport

    def _open_store(self, pool_size: int) -> S3Store:
        return s3_store(
            self.name,
            self._bucket,
            endpoint_url=self._endpoint_url,
            region_name=self._region_name,
            client_kwargs=self._client_kwargs,
            pool_size=pool_size,
            options=self._obstore_options,
        )

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live client is replaced at next use."""
        self._clients.ensure_pool_size(size)
        if self._fast is not None:
            self._fast.ensure_pool_size(size)

    def close(self) -> None:
        """Close the client's connection pool; the next call opens a new client."""
        self._clients.close()
        if self._fast is not None:
            self._fast.close()

    def _secrets(self) -> tuple[str, ...]:
        keys = tuple(str(self._client_kwargs.get(k) or "") for k in _SECRET_KWARGS)
        # botocore quotes the endpoint URL (userinfo included) in connection errors
        return tuple(s for s in keys if s) + endpoint_secrets(self._endpoint_url)

    def _request(
        self,
        operation: str,
        name: str | None,
        condition: Condition = Condition.NONE,
        expected: str | None = None,
    ) -> Request:
        return Request(self.name, operation, name, condition, expected, self._secret_values)

    def _run(self, request: Request, call: Callable[[], T]) -> T:
        return run(request, classify, call)

    def _create_bucket(self) -> None:
        client = self.client
        self._run(self._request("create bucket", None), lambda: create_bucket(client, self._bucket))

    # --- single objects -------------------------------------------------------------------

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        kwargs, condition = get_arguments(self._bucket, name, if_match, if_none_match)
        if self._fast is not None and self._fast.handles(name):
            request = self._request("get", name, condition, if_match)
            return self._fast.get(request, name, if_match, if_none_match)
        client = self.client

        def read() -> tuple[Any, bytes]:
            response = client.get_object(**kwargs)
            with response["Body"] as body:
                return response, body.read()

        try:
            response, data = self._run(self._request("get", name, condition, if_match), read)
        except NotModifiedError:
            return None
        return downloaded(response, data)

    def head(self, name: str) -> ObjectInfo:
        if self._fast is not None and self._fast.handles(name):
            return self._fast.head(self._request("head", name), name)
        client = self.client
        response = self._run(
            self._request("head", name), lambda: client.head_object(Bucket=self._bucket, Key=name)
        )
        return ObjectInfo(
            name, response["ETag"], response["ContentLength"], response.get("Metadata", {})
        )

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        put = put_request(self, name, data, mode, options)
        condition, headers = put_condition(put)
        request = self._request("put", name, condition, put.expected)
        if self._fast is not None and self._fast.takes_put(put):
            return self._fast.put(request, put)
        extra = put_extra(put)
        client = self.client

        def write() -> str:
            if len(put.data) > self._multipart_threshold:
                return put_multipart(
                    client,
                    self._bucket,
                    name,
                    put.data,
                    extra=extra,
                    condition=headers,
                    complete=retry_conflicts,
                    workers=self._clients.pool_size,
                )
            kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": name, "Body": put.data}
            kwargs.update(extra, **headers)
            return retry_conflicts(lambda: client.put_object(**kwargs))["ETag"]

        return self._run(request, write)

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        condition = Condition.EXISTS if if_match is None else Condition.IF_MATCH
        client = self.client
        self._run(
            self._request("delete", name, condition, if_match),
            lambda: retry_conflicts(
                lambda: client.delete_object(
                    Bucket=self._bucket, Key=name, IfMatch="*" if if_match is None else if_match
                )
            ),
        )

    # --- many objects ---------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        client = self.client

        def pages() -> Iterator[Any]:
            paginator = client.get_paginator("list_objects_v2")
            return iter(
                paginator.paginate(
                    Bucket=self._bucket, Prefix=prefix, PaginationConfig={"PageSize": _PAGE_SIZE}
                )
            )

        for page in run_iter(self._request("list", None), classify, pages):
            for item in page.get("Contents", []):
                yield ObjectInfo(item["Key"], item["ETag"], item["Size"])

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        """Delete in batches of 1000 (``DeleteObjects``), each object under its own ETag.

        A name without an etag is deleted unconditionally, and S3's batch delete reports a
        missing object as deleted, so such names never fail with ``KeyError``.
        """
        client = self.client

        def send(objects: list[ObjectIdentifierTypeDef]) -> Any:
            return self._run(
                self._request("delete_many", None),
                partial(
                    client.delete_objects,
                    Bucket=self._bucket,
                    Delete={"Objects": objects, "Quiet": True},
                ),
            )

        def error(key: str, etag: str | None, code: str, message: str) -> BaseException:
            condition = Condition.IF_MATCH if etag is not None else Condition.NONE
            request = self._request("delete_many", key, condition, etag)
            return library_error(request, *classify_code(code, 0, message))

        return delete_batches(items, send, error)
