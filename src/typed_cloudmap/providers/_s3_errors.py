"""How boto3's errors read: each one classified for the shared table in ``_translate``.

S3 answers a failed condition with 412 ``PreconditionFailed``, an ``If-Match`` on a missing
object with 404 ``NoSuchKey`` (some S3-compatible servers say 412 there too), a revalidated
``If-None-Match`` GET with 304, and a missing object with 404; what each means under the
request's condition is decided by ``_translate.library_error``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ._translate import Failure

__all__ = ["CONFLICT", "classify", "classify_code", "error_code"]

CONFLICT = "ConditionalRequestConflict"
"""409: a concurrent write to the same key was in flight; S3 asks clients to retry."""

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_FAILED_CODES = frozenset({"PreconditionFailed", "412"})
_TOO_LARGE_CODES = frozenset({"EntityTooLarge", "KeyTooLongError"})


def error_code(exc: BaseException) -> str:
    """The S3 error code of a ``ClientError`` (``""`` for anything else)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def classify_code(code: str, status: int, message: str) -> tuple[Failure, str]:
    """One S3 error code (of a request, or of one key of a batch delete)."""
    detail = f"HTTP {status} {code}: {message}" if status else f"{code}: {message}"
    if status == 304:
        return Failure.NOT_MODIFIED, detail
    if code in _FAILED_CODES or status == 412:
        return Failure.STALE, detail
    if code in _MISSING_CODES:
        return Failure.MISSING, detail
    if code == "NoSuchBucket":
        return Failure.NO_CONTAINER, detail
    if code in _TOO_LARGE_CODES:
        return Failure.TOO_LARGE, detail
    return Failure.OTHER, detail


def classify(exc: BaseException) -> tuple[Failure, str] | None:
    """A boto3/botocore error's failure; ``None`` for anything else."""
    if isinstance(exc, ClientError):
        meta: Mapping[str, Any] = exc.response.get("ResponseMetadata", {})
        message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
        return classify_code(error_code(exc), int(meta.get("HTTPStatusCode", 0)), message)
    if isinstance(exc, BotoCoreError):
        return Failure.OTHER, f"{type(exc).__name__}: {exc}"
    return None
