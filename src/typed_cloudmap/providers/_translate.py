"""The one table from a failed request to the library's error, for every cloud provider.

Each SDK module only *classifies* its exceptions into a :class:`Failure` (412, 404, ...) with a
short detail text; what that failure means depends on the condition the request carried, and
that decision lives here once:

==============  ==========================  =============================  ==================
failure         under ``IF_MATCH``          under ``CREATE_ONLY``          otherwise
==============  ==========================  =============================  ==================
STALE (412)     ``KeySyncError(n, etag)``   ``KeySyncError(n, None)``      EXISTS: ``KeyError``
EXISTS (409)    ``ProviderError``           ``KeySyncError(n, None)``      ``ProviderError``
MISSING (404)   ``KeySyncError(n, etag)``   no bucket: ``ProviderError``   ``KeyError(n)``
==============  ==========================  =============================  ==================

A missing bucket, an object too large and anything else are the same under every condition.
:func:`run` calls the SDK, translates what it raises and scrubs secrets from the chain
(see ``_redact``): the library's error is raised outside the ``except`` block, so the raw SDK
error is reachable only as a scrubbed ``__cause__``, never as a raw ``__context__``.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar, cast

from ..errors import KeySyncError, ProviderError, ValueSizeError
from ._redact import redact, scrub_chain

__all__ = [
    "Classifier",
    "Condition",
    "Failure",
    "NotModifiedError",
    "Request",
    "arun",
    "arun_iter",
    "library_error",
    "run",
    "run_iter",
]

T = TypeVar("T")

_MAX_DETAIL = 300


class Condition(enum.Enum):
    """The condition a request carried, which decides what a 404 or 412 means."""

    NONE = "none"
    """Unconditional (a plain read, an overwrite)."""
    CREATE_ONLY = "create_only"
    """``If-None-Match: *`` (generation 0): a 412 or 409 means the object exists."""
    IF_MATCH = "if_match"
    """``If-Match: <etag>``: 412 (another version) and 404 (no object) both mean stale."""
    EXISTS = "exists"
    """A delete that must find its object (S3's ``If-Match: *``): 404 and 412 mean missing."""


class Failure(enum.Enum):
    """What went wrong, in the service's terms."""

    STALE = "stale"
    """A precondition failed (412)."""
    EXISTS = "exists"
    """The object exists (Azure's 409 ``BlobAlreadyExists`` for a create-only write)."""
    MISSING = "missing"
    """No such object (404)."""
    NO_CONTAINER = "no container"
    """No such bucket or container, or not visible to these credentials."""
    TOO_LARGE = "too large"
    NOT_MODIFIED = "not modified"
    """304 to ``If-None-Match``: the caller's copy is current."""
    OTHER = "other"


class NotModifiedError(Exception):
    """A 304 answer to ``If-None-Match``: the caller's copy is current (``get`` returns None)."""


Classifier = Callable[[BaseException], "tuple[Failure, str] | None"]
"""An SDK module's reading of one exception: the failure and a detail text, or ``None`` for an
exception that is not the SDK's (re-raised as it is)."""


@dataclass(frozen=True, slots=True)
class Request:
    """What a request was about, so that a failure is told in the caller's terms."""

    provider: str
    """The provider's ``name`` (never a secret)."""
    operation: str
    name: str | None = None
    condition: Condition = Condition.NONE
    expected: str | None = None
    """The etag an ``IF_MATCH`` condition named."""
    secrets: tuple[str, ...] = ()
    """Literal secrets to mask in messages and in the error chain."""
    hint: str = ""
    """Appended to ``ProviderError`` messages (for example: how to supply a credential)."""


def _provider_error(request: Request, text: str) -> ProviderError:
    text = " ".join(redact(text, request.secrets).split())
    if len(text) > _MAX_DETAIL:
        text = text[:_MAX_DETAIL] + "..."
    return ProviderError(
        request.provider, f"{request.operation}: {text}{request.hint}", key=request.name
    )


def library_error(request: Request, failure: Failure, detail: str) -> BaseException:
    """The library's error for one failed request (see the table in this module's doc)."""
    name, condition = request.name, request.condition
    if failure is Failure.NOT_MODIFIED:
        return NotModifiedError()
    if failure is Failure.TOO_LARGE:
        return ValueSizeError(f"{request.provider} refused the object as too large", key=name)
    if name is not None:
        stale = failure is Failure.STALE or (
            failure is Failure.EXISTS and condition is Condition.CREATE_ONLY
        )
        if condition is Condition.IF_MATCH and (stale or failure is Failure.MISSING):
            return KeySyncError(name, request.expected)
        if condition is Condition.CREATE_ONLY and stale:
            return KeySyncError(name, None)
        if condition is Condition.EXISTS and failure in (Failure.STALE, Failure.MISSING):
            return KeyError(name)
        if failure is Failure.MISSING and request.operation != "put":
            return KeyError(name)
    if failure in (Failure.MISSING, Failure.NO_CONTAINER):
        detail = f"the bucket or container does not exist or is not visible ({detail})"
    return _provider_error(request, detail)


def _failed(request: Request, classify: Classifier, exc: Exception) -> BaseException | None:
    """The library's error for ``exc`` (with ``exc`` as its cause), ``None`` if not the SDK's."""
    verdict = classify(exc)
    if verdict is None:
        return None
    error = library_error(request, *verdict)
    error.__cause__ = exc
    return error


def _translated(request: Request, classify: Classifier, call: Callable[[], T]) -> T:
    try:
        return call()
    except Exception as exc:  # classified below; anything not the SDK's is re-raised as is
        error = _failed(request, classify, exc)
        if error is None:
            raise
    # Outside the handler: the raw error is the (scrubbed) cause, and no raw context is set.
    raise scrub_chain(error, request.secrets)


async def arun(request: Request, classify: Classifier, call: Callable[[], Awaitable[T]]) -> T:
    """:func:`run` for a coroutine: ``await call()``, with the SDK's errors translated."""
    try:
        return await call()
    except Exception as exc:  # classified below; anything not the SDK's is re-raised as is
        error = _failed(request, classify, exc)
        if error is None:
            raise
    raise scrub_chain(error, request.secrets)


def run(request: Request, classify: Classifier, call: Callable[[], T]) -> T:
    """``call()``, with the SDK's errors translated (see :func:`library_error`)."""
    return _translated(request, classify, call)


_END = object()


def run_iter(
    request: Request, classify: Classifier, items: Callable[[], Iterable[T]]
) -> Iterator[T]:
    """Iterate ``items()`` (a paging SDK listing), translating errors of every page fetch."""
    iterator = _translated(request, classify, lambda: iter(items()))
    while True:
        item = _translated(request, classify, lambda: next(iterator, _END))
        if item is _END:
            return
        yield cast(T, item)


async def arun_iter(
    request: Request, classify: Classifier, items: Callable[[], AsyncIterable[T]]
) -> AsyncIterator[T]:
    """:func:`run_iter` for an async paging listing."""
    iterator = _translated(request, classify, lambda: aiter(items()))
    while True:
        item = await arun(request, classify, lambda: anext(iterator, _END))
        if item is _END:
            return
        yield cast(T, item)
