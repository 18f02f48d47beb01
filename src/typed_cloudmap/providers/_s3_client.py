"""Building the boto3 S3 client, and the one retry boto3 does not do for us.

The client gets botocore's ``standard`` retry mode and a connection pool of the requested
size; a ``config`` in ``client_kwargs`` is merged over those defaults, so users can tune
anything botocore can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from . import _conflicts as conflicts
from ._s3_errors import CONFLICT, error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "EXPECT_THRESHOLD",
    "create_bucket",
    "is_conflict",
    "make_client",
    "retry_conflicts",
]

T = TypeVar("T")

EXPECT_THRESHOLD = 1024 * 1024
"""Bodies below this size are sent without ``Expect: 100-continue`` (see ``_drop_expect``)."""


def make_client(
    *,
    endpoint_url: str | None,
    region_name: str | None,
    client_kwargs: Mapping[str, Any],
    max_pool_connections: int,
) -> S3Client:
    """A new S3 client from a new boto3 session (sessions are not thread-safe; clients are)."""
    kwargs = dict(client_kwargs)
    config = Config(retries={"mode": "standard"}, max_pool_connections=max_pool_connections)
    user_config = kwargs.pop("config", None)
    if user_config is not None:
        config = config.merge(user_config)
    session = boto3.session.Session()
    client = session.client(
        "s3", endpoint_url=endpoint_url, region_name=region_name, config=config, **kwargs
    )
    client.meta.events.register("before-sign.s3.PutObject", _drop_expect)
    return client


def _drop_expect(request: Any, **_: Any) -> None:
    """Send small PUT bodies at once instead of waiting for ``100 Continue``.

    botocore asks for ``Expect: 100-continue`` on every PutObject, whatever its size, and then
    waits for the server's interim answer before sending the body: one extra round trip (up to
    a second on servers that never send it) to save re-sending a body that is already small.
    """
    body = request.body
    size = len(body) if isinstance(body, bytes | bytearray) else _seekable_size(body)
    if size is not None and size < EXPECT_THRESHOLD and "Expect" in request.headers:
        del request.headers["Expect"]


def _seekable_size(body: Any) -> int | None:
    try:
        position = body.tell()
        end = body.seek(0, 2)
        body.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return int(end) - int(position)


def is_conflict(exc: BaseException) -> bool:
    """Whether botocore raised S3's 409 ``ConditionalRequestConflict`` (see ``_conflicts``)."""
    return isinstance(exc, ClientError) and error_code(exc) == CONFLICT


def retry_conflicts(call: Callable[[], T]) -> T:
    """Run ``call``, again after a short jittered pause while S3 answers 409 conflict (the
    retry botocore's modes do not do; see ``_conflicts``)."""
    return conflicts.retry_conflicts(call, is_conflict)


def create_bucket(client: S3Client, bucket: str) -> None:
    """Create ``bucket`` in the client's region unless it exists (owned by these keys)."""
    try:
        client.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    region = client.meta.region_name
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
