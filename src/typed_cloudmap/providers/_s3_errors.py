"""The one place where boto3's errors become typed-cloudmap's errors.

S3 answers a failed condition with 412 ``PreconditionFailed``, an ``If-Match`` on a missing
object with 404 ``NoSuchKey`` (some S3-compatible servers say 412 there too), a revalidated
``If-None-Match`` GET with 304, and a missing object with 404. What each of those means
depends on the condition the request carried, so callers name it with a :class:`Condition`.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import KeySyncError, ProviderError, ValueSizeError

__all__ = [
    "CONFLICT",
    "Condition",
    "NotModifiedError",
    "error_code",
    "redact",
    "s3_errors",
    "translate",
]

CONFLICT = "ConditionalRequestConflict"
"""409: a concurrent write to the same key was in flight; S3 asks clients to retry."""

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_FAILED_CODES = frozenset({"PreconditionFailed", "412"})
_TOO_LARGE_CODES = frozenset({"EntityTooLarge", "KeyTooLongError"})


class Condition(enum.Enum):
    """The condition a request carried, which decides what a 404 or 412 means."""

    NONE = "none"
    """Unconditional: 404 is a missing object, 412 cannot happen."""
    CREATE_ONLY = "create_only"
    """``If-None-Match: *``: 412 means the object exists."""
    IF_MATCH = "if_match"
    """``If-Match: <etag>``: 412 (other version) and 404 (no object) both mean stale."""
    EXISTS = "exists"
    """``If-Match: *`` (a delete that must find its object): 404 and 412 mean missing."""
    IF_NONE_MATCH = "if_none_match"
    """``If-None-Match: <etag>`` on a read: 304 means unchanged, 404 missing."""


class NotModifiedError(Exception):
    """A 304 answer to ``If-None-Match``: the caller's copy is current."""


def error_code(exc: BaseException) -> str:
    """The S3 error code of a ``ClientError`` (``""`` for anything else)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def _status(exc: ClientError) -> int:
    meta: dict[str, Any] = dict(exc.response.get("ResponseMetadata", {}))
    return int(meta.get("HTTPStatusCode", 0))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, so messages never carry credentials."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def translate(
    exc: BaseException,
    *,
    provider: str,
    name: str | None,
    operation: str,
    condition: Condition = Condition.NONE,
    expected_etag: str | None = None,
    secrets: Iterable[str] = (),
) -> BaseException:
    """The typed-cloudmap error for one boto3 error (to be raised ``from`` it)."""
    if isinstance(exc, ClientError):
        code, status = error_code(exc), _status(exc)
        missing = code in _MISSING_CODES
        failed = code in _FAILED_CODES or status == 412
        if status == 304:
            return NotModifiedError()
        if condition is Condition.IF_MATCH and (failed or missing):
            return KeySyncError(name, expected_etag)
        if condition is Condition.CREATE_ONLY and failed:
            return KeySyncError(name, None)
        if missing or (condition is Condition.EXISTS and failed):
            return KeyError(name)
        if code in _TOO_LARGE_CODES:
            return ValueSizeError(f"{provider} refused {operation}: {code}", key=name)
        message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
        text = f"{operation} failed with HTTP {status} {code}: {message}"
    elif isinstance(exc, BotoCoreError):
        text = f"{operation} failed: {type(exc).__name__}: {exc}"
    else:
        text = f"{operation} failed: {type(exc).__name__}: {exc}"
    return ProviderError(provider, redact(text, secrets), key=name)


@contextlib.contextmanager
def s3_errors(
    *,
    provider: str,
    name: str | None,
    operation: str,
    condition: Condition = Condition.NONE,
    expected_etag: str | None = None,
    secrets: Iterable[str] = (),
) -> Iterator[None]:
    """Translate boto3/botocore errors raised inside the block (see :func:`translate`)."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(
            exc,
            provider=provider,
            name=name,
            operation=operation,
            condition=condition,
            expected_etag=expected_etag,
            secrets=secrets,
        ) from exc
