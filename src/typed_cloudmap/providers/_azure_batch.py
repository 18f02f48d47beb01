"""Azure's Blob Batch delete: one request per 256 blobs, each sub-request with its own
``If-Match``; a batch that fails as a whole fails each of its blobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from azure.core import MatchConditions

from ..errors import CloudMappingError
from ._azure_errors import classify_status
from ._translate import Failure

__all__ = ["BATCH_LIMIT", "delete_batches"]

BATCH_LIMIT = 256
"""Sub-requests per Blob Batch request (service limit)."""

Send = Callable[[list[dict[str, Any]]], list[Any]]
"""One batch request (errors translated by the provider): its sub-responses, in order."""
ErrorFor = Callable[[str, "str | None", "tuple[Failure, str]"], BaseException]
"""The library error for one blob: ``(name, etag, failure)``."""
ConditionFor = Callable[[str | None, MatchConditions], dict[str, Any]]


def delete_batches(
    items: Sequence[tuple[str, str | None]], send: Send, error: ErrorFor, condition: ConditionFor
) -> dict[str, BaseException]:
    """Delete each ``(name, if_match)``; the failures by name (empty: all gone)."""
    failures: dict[str, BaseException] = {}
    for start in range(0, len(items), BATCH_LIMIT):
        chunk = items[start : start + BATCH_LIMIT]
        specs = [
            {"name": name, **condition(etag, MatchConditions.IfNotModified)} for name, etag in chunk
        ]
        try:
            replies = send(specs)
        except CloudMappingError as exc:  # a failed batch fails each of its blobs
            for name, _ in chunk:
                failures[name] = exc
            continue
        for (name, etag), reply in zip(chunk, replies, strict=True):
            if reply.status_code in (200, 202):
                continue
            code = reply.headers.get("x-ms-error-code") or ""
            failures[name] = error(
                name, etag, classify_status(reply.status_code, code, reply.reason or "")
            )
    return failures
