"""The one place where google-cloud-storage errors become typed-cloudmap errors.

A 412 is a failed generation precondition (``KeySyncError``). A 404 means a missing object
(``KeyError``) for plain reads, a failed condition (``KeySyncError``) for conditional
operations, and a missing bucket (``ProviderError``) when the service says so or when no
object could explain it (create-only uploads, listings). Everything else is a
``ProviderError`` raised from the SDK error, with a message that names the provider and the
failure but never a credential.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Literal

import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud.storage import exceptions as storage_exceptions

from ..errors import KeySyncError, ProviderError

__all__ = ["OnMissing", "translate_errors"]

OnMissing = Literal["key", "sync", "bucket"]
"""What a 404 means: a missing object, a failed condition, or a missing bucket."""

_SDK_ERRORS = (
    api_exceptions.GoogleAPIError,
    auth_exceptions.GoogleAuthError,
    requests.RequestException,
    storage_exceptions.InvalidResponse,
    storage_exceptions.DataCorruption,
)
_MAX_MESSAGE = 300
# SDK messages quote request URLs: drop ``user:password@`` and credential-bearing parameters.
_USERINFO = re.compile(r"(?<=//)[^/\s@]+@")
_SECRET_PARAMS = re.compile(r"(?i)\b(key|access_token|x-goog-signature|x-goog-credential)=[^&\s]*")


def _bucket_is_missing(exc: api_exceptions.NotFound) -> bool:
    """GCS says "The specified bucket does not exist." (XML: ``NoSuchBucket``)."""
    text = str(exc).lower()
    return "bucket does not exist" in text or "nosuchbucket" in text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        detail = f"HTTP {exc.code}: {exc.message}"
    else:
        detail = str(exc)
    detail = " ".join(detail.split())
    detail = _SECRET_PARAMS.sub(r"\1=<redacted>", _USERINFO.sub("", detail))
    if len(detail) > _MAX_MESSAGE:
        detail = detail[:_MAX_MESSAGE] + "..."
    return f"{type(exc).__name__}: {detail}"


@contextlib.contextmanager
def translate_errors(
    provider: str,
    name: str | None,
    *,
    expected: str | None = None,
    on_missing: OnMissing = "key",
) -> Iterator[None]:
    """Translate SDK errors raised inside the block for object ``name`` of ``provider``.

    ``expected`` is the etag the caller's condition named (``None`` for create-only).
    """
    try:
        yield
    except api_exceptions.PreconditionFailed as exc:
        if name is None:
            raise ProviderError(provider, _describe(exc)) from exc
        raise KeySyncError(name, expected) from exc
    except api_exceptions.NotFound as exc:
        if name is None or on_missing == "bucket" or _bucket_is_missing(exc):
            message = f"the bucket does not exist or is not visible ({_describe(exc)})"
            raise ProviderError(provider, message, key=name) from exc
        if on_missing == "sync":
            raise KeySyncError(name, expected) from exc
        raise KeyError(name) from exc
    except _SDK_ERRORS as exc:
        raise ProviderError(provider, _describe(exc), key=name) from exc
