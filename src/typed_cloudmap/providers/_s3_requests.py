"""How a checked put becomes S3 request arguments: one place for the sync and async providers."""

from __future__ import annotations

from typing import Any

from ._base import CREATE, IfMatch, PutRequest
from ._translate import Condition

__all__ = ["put_condition", "put_extra"]


def put_condition(put: PutRequest) -> tuple[Condition, dict[str, str]]:
    """The one place a put's write mode becomes S3 headers (and the meaning of its errors);
    the async provider uses it too."""
    mode = put.mode
    if isinstance(mode, IfMatch):
        return Condition.IF_MATCH, {"IfMatch": mode.etag}
    if mode == CREATE:
        return Condition.CREATE_ONLY, {"IfNoneMatch": "*"}
    return Condition.NONE, {}


def put_extra(put: PutRequest) -> dict[str, Any]:
    """The PutObject arguments of a put's options (user metadata, content type, encoding)."""
    extra: dict[str, Any] = {}
    if put.metadata:
        extra["Metadata"] = dict(put.metadata)
    if put.content_type is not None:
        extra["ContentType"] = put.content_type
    if put.content_encoding is not None:
        extra["ContentEncoding"] = put.content_encoding
    return extra
