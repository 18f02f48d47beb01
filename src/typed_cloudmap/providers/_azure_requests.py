"""What the Azure providers' requests carry and what their replies mean, shared by the sync
and the async provider: the etag form, the SDK's condition keywords, a put's write mode as
upload keywords, and a download as a stored object."""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions
from azure.storage.blob import ContentSettings

from ._base import CREATE, PutRequest, StoredObject
from ._translate import Condition

__all__ = ["downloaded", "put_options", "read_condition"]


def _quoted(etag: str) -> str:
    """The one etag form this provider hands out and accepts: quoted, as in HTTP headers."""
    return f'"{etag.strip(chr(34))}"'


def _condition(etag: str | None, match: MatchConditions) -> dict[str, Any]:
    """The SDK's keyword arguments for one etag condition (none without an etag)."""
    if etag is None:
        return {}
    return {"etag": _quoted(etag), "match_condition": match}


def downloaded(
    props: Any, data: bytes, if_match: str | None, if_none_match: str | None
) -> StoredObject | None:
    """A download's properties and bytes as a stored object (``None``: unchanged, where both
    conditions were given and only ``if_match`` could ride on the request); the async
    provider's downloads read the same way."""
    etag = _quoted(props.etag)
    if if_match is not None and if_none_match is not None and etag == _quoted(if_none_match):
        return None
    settings = props.content_settings
    return StoredObject(
        data, etag, dict(props.metadata or {}), settings.content_type, settings.content_encoding
    )


def put_options(put: PutRequest) -> tuple[dict[str, Any], Condition]:
    """The one place a put's write mode becomes the SDK's keywords (and the condition that
    decides what its errors mean); the async provider uses it too."""
    upload: dict[str, Any] = {
        # overwrite=False makes the SDK send If-None-Match: *
        "overwrite": put.mode != CREATE,
        "metadata": dict(put.metadata) if put.metadata else None,
        "content_settings": ContentSettings(
            content_type=put.content_type, content_encoding=put.content_encoding
        ),
        **_condition(put.expected, MatchConditions.IfNotModified),
    }
    return upload, Condition.CREATE_ONLY if put.mode == CREATE else Condition.NONE


def read_condition(if_match: str | None, if_none_match: str | None) -> dict[str, Any]:
    """A download's condition keywords: ``if_match`` rides on the request if given."""
    if if_match is not None:
        return _condition(if_match, MatchConditions.IfNotModified)
    return _condition(if_none_match, MatchConditions.IfModified)
