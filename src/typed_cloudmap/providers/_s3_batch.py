"""S3's batch delete (``DeleteObjects``): batches of 1000, each object under its own ETag.

S3 answers 409 ``ConditionalRequestConflict`` for a key whose conditional write was in flight
and asks for a retry: those keys are sent again (up to four rounds) before they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._s3_errors import CONFLICT

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

__all__ = ["delete_batches"]

BATCH_SIZE = 1000
_ROUNDS = 4

Send = Callable[["list[ObjectIdentifierTypeDef]"], Any]
"""One ``DeleteObjects`` request (errors translated by the provider); returns the response."""
ErrorFor = Callable[[str, "str | None", str, str], BaseException]
"""The library error for one key: ``(key, etag, code, message)``."""


def delete_batches(
    items: Sequence[tuple[str, str | None]], send: Send, error: ErrorFor
) -> dict[str, BaseException]:
    """Delete each ``(name, if_match)``; the failures by name (empty: all gone)."""
    failures: dict[str, BaseException] = {}
    for start in range(0, len(items), BATCH_SIZE):
        failures.update(_delete_batch(dict(items[start : start + BATCH_SIZE]), send, error))
    return failures


def _delete_batch(
    etags: dict[str, str | None], send: Send, error: ErrorFor
) -> dict[str, BaseException]:
    failures: dict[str, BaseException] = {}
    pending = etags
    for _ in range(_ROUNDS):
        objects: list[ObjectIdentifierTypeDef] = [
            {"Key": n, "ETag": e} if e is not None else {"Key": n} for n, e in pending.items()
        ]
        response = send(objects)
        conflicted: dict[str, str | None] = {}
        for failed in response.get("Errors", []):
            key, code = failed.get("Key", ""), failed.get("Code", "")
            if code == CONFLICT:
                conflicted[key] = pending.get(key)
                continue
            failures[key] = error(key, pending.get(key), code, str(failed.get("Message", "")))
        if not conflicted:
            break
        pending = conflicted
    else:
        for key in pending:
            failures[key] = error(key, pending[key], CONFLICT, "")
    return failures
