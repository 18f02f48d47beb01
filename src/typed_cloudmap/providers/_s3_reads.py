"""The GetObject side of S3 that the sync and async providers share: the request's
arguments and condition, and the object a response describes."""

from __future__ import annotations

from typing import Any

from ._base import StoredObject
from ._translate import Condition

__all__ = ["downloaded", "get_arguments"]


def get_arguments(
    bucket: str, name: str, if_match: str | None, if_none_match: str | None
) -> tuple[dict[str, Any], Condition]:
    """The GetObject arguments of a read and the condition its failure is reported under."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": name}
    if if_none_match is not None:
        kwargs["IfNoneMatch"] = if_none_match
    if if_match is not None:
        kwargs["IfMatch"] = if_match
    return kwargs, Condition.NONE if if_match is None else Condition.IF_MATCH


def downloaded(response: Any, data: bytes) -> StoredObject:
    """The object a GetObject response and its body bytes describe."""
    return StoredObject(
        data,
        response["ETag"],
        response.get("Metadata", {}),
        response.get("ContentType"),
        response.get("ContentEncoding"),
    )
