"""The one place where Azure Blob errors become typed-cloudmap errors.

Single requests go through :func:`translated`; the sub-responses of a batch delete go through
:func:`error_for_status`, which the context manager also uses, so both paths share one table.
Messages are built from the status, the service's error code and the first line of its
message, with anything that looks like a key or a SAS signature masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from azure.core.exceptions import AzureError, HttpResponseError

from ..errors import KeySyncError, ProviderError, ValueSizeError

__all__ = ["Call", "error_for_status", "scrub", "translated"]

_SECRET = re.compile(
    r"(?i)\b(sig|accountkey|sharedaccesssignature|sharedaccesskey|x-ms-encryption-key)=[^&;\s'\"]+"
)
_MISSING_BLOB_CODES = {"BlobNotFound", ""}
_FAILED_CONDITION_CODES = {"ConditionNotMet", ""}


@dataclass(frozen=True, slots=True)
class Call:
    """What a request was about, so a failure can be reported in the caller's terms."""

    provider: str
    """The provider's ``name`` (never a secret)."""
    operation: str
    key: str | None = None
    if_match: str | None = None
    create_only: bool = False
    hint: str = ""
    """Appended to ``ProviderError`` messages (for example: how to supply a credential)."""


def scrub(text: str) -> str:
    """``text`` with account keys and SAS signatures masked."""
    return _SECRET.sub(lambda m: f"{m.group(1)}=***", text)


def _code(value: object) -> str:
    """The service's error code as plain text (the SDK gives a str enum or a str)."""
    return str(getattr(value, "value", value) or "")


def error_for_status(call: Call, status: int | None, code: str, message: str = "") -> BaseException:
    """The library error for one failed request (or one sub-request of a batch)."""
    conditional = call.if_match is not None or call.create_only
    # Other 412 codes are about leases, which this library never takes: not a conflict.
    if (status == 412 and code in _FAILED_CONDITION_CODES) or (
        status == 409 and code == "BlobAlreadyExists" and call.create_only
    ):
        return KeySyncError(call.key, call.if_match)
    if status == 404 and code in _MISSING_BLOB_CODES and call.key is not None:
        return KeySyncError(call.key, call.if_match) if conditional else KeyError(call.key)
    if status == 413 or code in {"RequestBodyTooLarge", "BlockCountExceedsLimit"}:
        return ValueSizeError(
            f"{call.provider} refused the object as too large ({code})", key=call.key
        )
    detail = scrub(message.strip().splitlines()[0]) if message.strip() else "request failed"
    where = f"HTTP {status}" if status is not None else "no HTTP response"
    if code:
        where += f", {code}"
    if code == "ContainerNotFound":
        detail += " (create it first, or pass create=True)"
    return ProviderError(
        call.provider, f"{call.operation}: {detail} ({where}){call.hint}", key=call.key
    )


@contextmanager
def translated(call: Call) -> Iterator[None]:
    """Run an SDK call; re-raise its errors as the library's, ``from`` the SDK error."""
    try:
        yield
    except HttpResponseError as exc:
        status = exc.status_code
        if status is None and exc.response is not None:
            status = exc.response.status_code
        code = _code(getattr(exc, "error_code", None))
        if not code and exc.response is not None:
            code = getattr(exc.response, "headers", {}).get("x-ms-error-code") or ""
        raise error_for_status(call, status, code, exc.message or "") from exc
    except AzureError as exc:
        # Transport failures (connection refused, timeouts) and credential errors.
        text = f"{type(exc).__name__}: {exc.message or ''}"
        raise error_for_status(call, None, "", text) from exc
