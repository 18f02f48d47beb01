"""How google-cloud-storage errors read: each one classified for the table in ``_translate``.

A 412 is a failed generation precondition, a 404 a missing object unless the service says the
bucket is missing, a 304 an unchanged object; any other SDK, auth or transport error is a
plain failure whose detail names the error but never a credential (``_redact`` masks the
userinfo and credential-bearing parameters of the URLs the SDK quotes).
"""

from __future__ import annotations

import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.cloud.storage import exceptions as storage_exceptions

from ._translate import Failure

__all__ = ["classify"]

_SDK_ERRORS = (
    api_exceptions.GoogleAPIError,
    auth_exceptions.GoogleAuthError,
    requests.RequestException,
    storage_exceptions.InvalidResponse,
    storage_exceptions.DataCorruption,
)


def _bucket_is_missing(exc: api_exceptions.NotFound) -> bool:
    """GCS says "The specified bucket does not exist." (XML: ``NoSuchBucket``)."""
    text = str(exc).lower()
    return "bucket does not exist" in text or "nosuchbucket" in text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        detail = f"HTTP {exc.code}: {exc.message}"
    else:
        detail = str(exc)
    return f"{type(exc).__name__}: {detail}"


def classify(exc: BaseException) -> tuple[Failure, str] | None:
    """An SDK error's failure; ``None`` for anything else."""
    if isinstance(exc, api_exceptions.NotModified):
        return Failure.NOT_MODIFIED, _describe(exc)
    if isinstance(exc, api_exceptions.PreconditionFailed):
        return Failure.STALE, _describe(exc)
    if isinstance(exc, api_exceptions.NotFound):
        missing = Failure.NO_CONTAINER if _bucket_is_missing(exc) else Failure.MISSING
        return missing, _describe(exc)
    if isinstance(exc, _SDK_ERRORS):
        return Failure.OTHER, _describe(exc)
    return None
