"""The one retry no client does for us: S3's 409 ``ConditionalRequestConflict``.

S3 answers it when another conditional write to the same key was in flight, and documents that
the request should be retried; botocore's retry modes and ``object_store`` do not treat 409 as
retryable. Nothing was written by the refused attempt, so repeating it (bounded, with the same
condition) is safe. The decision (:meth:`Conflicts.pause`) is written once for boto3,
aiobotocore and obstore, sync and async; the loops only sleep the way their caller sleeps.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["CONFLICT_ATTEMPTS", "Conflicts", "aretry_conflicts", "retry_conflicts"]

T = TypeVar("T")

CONFLICT_ATTEMPTS = 4
"""Attempts for a request S3 answers with 409 ``ConditionalRequestConflict``."""


class Conflicts:
    """The attempts of one request: ``pause(exc)`` after each failure says how long to wait
    before the next one, or re-raises ``exc`` (not a conflict, or the last attempt)."""

    def __init__(self, is_conflict: Callable[[BaseException], bool]) -> None:
        self._is_conflict = is_conflict
        self._attempt = 0

    def pause(self, exc: BaseException) -> float:
        attempt, self._attempt = self._attempt, self._attempt + 1
        if not self._is_conflict(exc) or attempt >= CONFLICT_ATTEMPTS - 1:
            raise exc
        return random.uniform(0.0, 0.05 * 2**attempt)


def retry_conflicts(call: Callable[[], T], is_conflict: Callable[[BaseException], bool]) -> T:
    """``call()``, repeated after a short jittered pause while it fails with a conflict."""
    conflicts = Conflicts(is_conflict)
    while True:
        try:
            return call()
        except Exception as exc:  # Conflicts.pause re-raises all but a conflict
            time.sleep(conflicts.pause(exc))


async def aretry_conflicts(
    call: Callable[[], Awaitable[T]], is_conflict: Callable[[BaseException], bool]
) -> T:
    """:func:`retry_conflicts` for a coroutine (the pause does not block the loop)."""
    conflicts = Conflicts(is_conflict)
    while True:
        try:
            return await call()
        except Exception as exc:  # Conflicts.pause re-raises all but a conflict
            await asyncio.sleep(conflicts.pause(exc))
