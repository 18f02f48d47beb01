"""Amazon S3 (and S3-compatible servers) through boto3, with S3's conditional writes.

Every single-object operation is one HTTP request whose condition rides on it:
create-only PUTs send ``If-None-Match: *``, overwrites and deletes ``If-Match: <etag>``,
and a delete without an etag sends ``If-Match: *`` so that a missing object is reported
(plain S3 deletes answer 204 whether or not the object existed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import MissingDependencyError

try:
    import boto3  # noqa: F401  # imported first so a missing extra fails here, with the hint
    from botocore.exceptions import ClientError
except ImportError as exc:  # pragma: no cover - exercised only without the s3 extra
    raise MissingDependencyError("boto3", "s3") from exc

from ..errors import ValueSizeError
from ._base import ObjectInfo, StoredObject
from ._registry import option_bool, without_userinfo
from ._s3_client import make_client, retry_conflicts
from ._s3_errors import CONFLICT, Condition, NotModifiedError, s3_errors, translate
from ._s3_multipart import MIN_PART_SIZE, put_multipart
from ._shared import shared_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

__all__ = ["S3Provider"]

_PAGE_SIZE = 1000
_BATCH_SIZE = 1000
_SECRET_KWARGS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
_RESERVED_KWARGS = frozenset({"service_name", "endpoint_url", "region_name"})


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
    ) -> None:
        if not bucket or "/" in bucket:
            raise ValueError(f"not an S3 bucket name: {bucket!r}")
        reserved = _RESERVED_KWARGS.intersection(client_kwargs or {})
        if reserved:
            raise TypeError(f"pass {sorted(reserved)} as S3Provider arguments, not client_kwargs")
        if max_pool_connections < 1:
            raise ValueError("max_pool_connections must be at least 1")
        self._bucket = bucket
        self._endpoint_url = endpoint_url
        self._region_name = region_name
        self._client_kwargs: dict[str, Any] = dict(client_kwargs or {})
        self._max_pool_connections = max_pool_connections
        self._multipart_threshold = max(multipart_threshold, MIN_PART_SIZE)
        self._lock = threading.Lock()
        self._shared = False
        self._client: S3Client | None = None
        if create:
            self._create_bucket()

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[S3Provider, str]:
        """``s3://bucket/prefix?endpoint_url=...&region_name=...&create=true``.

        Pops the options this provider understands (``endpoint_url``, ``region_name``,
        ``create``, ``max_pool_connections``) and leaves the rest to the caller.
        """
        kwargs: dict[str, Any] = {}
        for key in ("endpoint_url", "region_name"):
            if key in options:
                kwargs[key] = options.pop(key) or None
        kwargs["create"] = option_bool(options, "create", default=False)
        if "max_pool_connections" in options:
            kwargs["max_pool_connections"] = int(options.pop("max_pool_connections"))
        return cls(location, **kwargs), path

    # --- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"s3://{self._bucket}"

    @property
    def bucket(self) -> str:
        return self._bucket

    def __repr__(self) -> str:
        parts = [f"bucket={self._bucket!r}"]
        if self._endpoint_url:
            parts.append(f"endpoint_url={without_userinfo(self._endpoint_url)!r}")
        if self._region_name:
            parts.append(f"region_name={self._region_name!r}")
        return f"S3Provider({', '.join(parts)})"

    def __getstate__(self) -> dict[str, Any]:
        return {
            "bucket": self._bucket,
            "endpoint_url": self._endpoint_url,
            "region_name": self._region_name,
            "client_kwargs": self._client_kwargs,
            "max_pool_connections": self._max_pool_connections,
            "multipart_threshold": self._multipart_threshold,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]  # re-run construction for a fresh lock, no client
            state["bucket"],
            endpoint_url=state["endpoint_url"],
            region_name=state["region_name"],
            client_kwargs=state["client_kwargs"],
            max_pool_connections=state["max_pool_connections"],
            multipart_threshold=state.get("multipart_threshold", 64 * 1024**2),
        )
        self._shared = True  # copies in one process share one client (see _shared)

    # --- client ---------------------------------------------------------------------------

    @property
    def client(self) -> S3Client:
        """The boto3 S3 client, created on first use (thread-safe)."""
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:

                    def open_client() -> S3Client:
                        return make_client(
                            endpoint_url=self._endpoint_url,
                            region_name=self._region_name,
                            client_kwargs=self._client_kwargs,
                            max_pool_connections=self._max_pool_connections,
                        )

                    if self._shared:
                        client = shared_client("s3", self.__getstate__(), open_client)
                    else:
                        client = open_client()
                    self._client = client
        return client

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live client is replaced at next use."""
        with self._lock:
            if size > self._max_pool_connections:
                self._max_pool_connections = size
                self._client = None  # in-flight calls finish on the old client

    def close(self) -> None:
        """Close the client's connection pool; the next call opens a new client."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and not self._shared:
            client.close()

    def _secrets(self) -> tuple[str, ...]:
        secrets = [str(self._client_kwargs.get(k) or "") for k in _SECRET_KWARGS]
        # botocore quotes the endpoint URL (userinfo included) in connection errors
        userinfo = urlsplit(self._endpoint_url or "").netloc.rpartition("@")[0]
        secrets += [userinfo, userinfo.partition(":")[2]]
        return tuple(secrets)

    def _errors(
        self,
        operation: str,
        name: str | None,
        condition: Condition = Condition.NONE,
        expected_etag: str | None = None,
    ) -> Any:
        return s3_errors(
            provider=self.name,
            name=name,
            operation=operation,
            condition=condition,
            expected_etag=expected_etag,
            secrets=self._secrets(),
        )

    def _create_bucket(self) -> None:
        client = self.client
        with self._errors("create bucket", None):
            try:
                client.head_bucket(Bucket=self._bucket)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                    raise
            kwargs: dict[str, Any] = {"Bucket": self._bucket}
            region = client.meta.region_name
            if region and region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            try:
                client.create_bucket(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                    raise

    # --- single objects -------------------------------------------------------------------

    def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": name}
        condition = Condition.NONE
        if if_none_match is not None:
            kwargs["IfNoneMatch"] = if_none_match
            condition = Condition.IF_NONE_MATCH
        if if_match is not None:
            kwargs["IfMatch"] = if_match
            condition = Condition.IF_MATCH
        try:
            with self._errors("get", name, condition, if_match):
                response = self.client.get_object(**kwargs)
                with response["Body"] as body:
                    data = body.read()
        except NotModifiedError:
            return None
        return StoredObject(
            data,
            response["ETag"],
            response.get("Metadata", {}),
            response.get("ContentType"),
            response.get("ContentEncoding"),
        )

    def head(self, name: str) -> ObjectInfo:
        with self._errors("head", name):
            response = self.client.head_object(Bucket=self._bucket, Key=name)
        return ObjectInfo(
            name, response["ETag"], response["ContentLength"], response.get("Metadata", {})
        )

    def put(
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
        if create_only and if_match is not None:
            raise ValueError("pass either create_only or if_match, not both")
        if len(data) > self.max_object_size:
            raise ValueSizeError(
                f"{len(data)} bytes is over the {self.max_object_size}-byte limit of {self.name}",
                key=name,
            )
        extra: dict[str, Any] = {}
        if metadata:
            extra["Metadata"] = dict(metadata)
        if content_type is not None:
            extra["ContentType"] = content_type
        if content_encoding is not None:
            extra["ContentEncoding"] = content_encoding
        condition, headers = Condition.NONE, {}
        if create_only:
            condition, headers = Condition.CREATE_ONLY, {"IfNoneMatch": "*"}
        elif if_match is not None:
            condition, headers = Condition.IF_MATCH, {"IfMatch": if_match}
        client = self.client
        with self._errors("put", name, condition, if_match):
            if len(data) > self._multipart_threshold:
                return put_multipart(
                    client,
                    self._bucket,
                    name,
                    bytes(data),
                    extra=extra,
                    condition=headers,
                    complete=retry_conflicts,
                    workers=self._max_pool_connections,
                )
            kwargs = {"Bucket": self._bucket, "Key": name, "Body": bytes(data), **extra, **headers}
            response = retry_conflicts(lambda: client.put_object(**kwargs))
        return response["ETag"]

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        condition = Condition.EXISTS if if_match is None else Condition.IF_MATCH
        client = self.client
        with self._errors("delete", name, condition, if_match):
            retry_conflicts(
                lambda: client.delete_object(
                    Bucket=self._bucket, Key=name, IfMatch="*" if if_match is None else if_match
                )
            )

    # --- many objects ---------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self._bucket, Prefix=prefix, PaginationConfig={"PageSize": _PAGE_SIZE}
        )
        with self._errors("list", None):
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"], item["ETag"], item["Size"])

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        """Delete in batches of 1000 (``DeleteObjects``), each object under its own ETag.

        A name without an etag is deleted unconditionally, and S3's batch delete reports a
        missing object as deleted, so such names never fail with ``KeyError``.
        """
        failures: dict[str, BaseException] = {}
        for start in range(0, len(items), _BATCH_SIZE):
            failures.update(self._delete_batch(dict(items[start : start + _BATCH_SIZE])))
        return failures

    def _delete_batch(self, etags: dict[str, str | None]) -> dict[str, BaseException]:
        failures: dict[str, BaseException] = {}
        pending = etags
        for _ in range(4):
            objects: list[ObjectIdentifierTypeDef] = [
                {"Key": n, "ETag": e} if e is not None else {"Key": n} for n, e in pending.items()
            ]
            with self._errors("delete_many", None):
                response = self.client.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True}
                )
            conflicted: dict[str, str | None] = {}
            for error in response.get("Errors", []):
                key, code = error.get("Key", ""), error.get("Code", "")
                if code == CONFLICT:
                    conflicted[key] = pending.get(key)
                    continue
                failures[key] = self._batch_error(key, pending.get(key), error)
            if not conflicted:
                break
            pending = conflicted
        else:
            for key in pending:
                failures[key] = self._batch_error(key, pending[key], {"Code": CONFLICT})
        return failures

    def _batch_error(self, key: str, etag: str | None, error: Mapping[str, Any]) -> BaseException:
        code = str(error.get("Code", ""))
        fake = ClientError(
            {"Error": {"Code": code, "Message": str(error.get("Message", ""))}}, "DeleteObjects"
        )
        condition = Condition.IF_MATCH if etag is not None else Condition.NONE
        err = translate(
            fake,
            provider=self.name,
            name=key,
            operation="delete_many",
            condition=condition,
            expected_etag=etag,
            secrets=self._secrets(),
        )
        err.__cause__ = fake
        return err
