"""How Azure Blob errors read: each one classified for the shared table in ``_translate``.

Single requests raise SDK exceptions (:func:`classify`); the sub-responses of a batch delete
arrive as status and error code (:func:`classify_status`), which :func:`classify` also uses,
so both paths read the service the same way. Details are the status, the service's error code
and the first line of its message (``_redact`` masks keys and SAS signatures in them).
"""

from __future__ import annotations

from azure.core.exceptions import AzureError, HttpResponseError

from ._translate import Failure

__all__ = ["classify", "classify_status"]

_MISSING_BLOB_CODES = {"BlobNotFound", ""}
_FAILED_CONDITION_CODES = {"ConditionNotMet", ""}
_TOO_LARGE_CODES = {"RequestBodyTooLarge", "BlockCountExceedsLimit"}


def _code(value: object) -> str:
    """The service's error code as plain text (the SDK gives a str enum or a str)."""
    return str(getattr(value, "value", value) or "")


def classify_status(status: int | None, code: str, message: str = "") -> tuple[Failure, str]:
    """One failed request (or sub-request of a batch) by its status and error code."""
    detail = message.strip().splitlines()[0] if message.strip() else "request failed"
    where = f"HTTP {status}" if status is not None else "no HTTP response"
    if code:
        where += f", {code}"
    detail = f"{detail} ({where})"
    # Other 412 codes are about leases, which this library never takes: not a conflict.
    if status == 412 and code in _FAILED_CONDITION_CODES:
        return Failure.STALE, detail
    if status == 409 and code == "BlobAlreadyExists":
        return Failure.EXISTS, detail
    if status == 404 and code in _MISSING_BLOB_CODES:
        return Failure.MISSING, detail
    if code == "ContainerNotFound":
        return Failure.NO_CONTAINER, detail + " (create it first, or pass create=True)"
    if status == 413 or code in _TOO_LARGE_CODES:
        return Failure.TOO_LARGE, detail
    return Failure.OTHER, detail


def classify(exc: BaseException) -> tuple[Failure, str] | None:
    """An SDK error's failure; ``None`` for anything else."""
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        if status is None and exc.response is not None:
            status = exc.response.status_code
        if status == 304:
            return Failure.NOT_MODIFIED, "not modified"
        code = _code(getattr(exc, "error_code", None))
        if not code and exc.response is not None:
            code = getattr(exc.response, "headers", {}).get("x-ms-error-code") or ""
        return classify_status(status, code, exc.message or "")
    if isinstance(exc, AzureError):
        # Transport failures (connection refused, timeouts) and credential errors.
        return classify_status(None, "", f"{type(exc).__name__}: {exc.message or ''}")
    return None
