"""What one watch poll decides, as pure code (no I/O): the sans-I/O half of ``watch``.

A poll compares the versions a mapping knows (its etag view, in the watched scope) with a
fresh listing. :func:`plan` says which objects to fetch (new or changed etag) and which are
gone; :func:`settle` turns what a fetch returned into the ``Change`` to report and the view
update to make. :class:`Backoff` spaces polls after transient failures. The sync front end
(``_watch``) does the I/O around these; an async twin can reuse them unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from .errors import CodecError

__all__ = ["Backoff", "Change", "Fetched", "Plan", "ViewUpdate", "deleted", "plan", "settle"]

K = TypeVar("K")
V = TypeVar("V")

ChangeKind = Literal["added", "modified", "deleted"]


@dataclass(frozen=True)  # no slots: ``Change[str, int](...)`` must work (CPython gh-90562)
class Change(Generic[K, V]):
    """One change another writer made to the store, as ``watch`` reports it.

    ``kind`` is ``"added"``, ``"modified"`` or ``"deleted"``. ``value`` is the decoded new
    value (``None`` for a delete, or when it failed to decode: then ``error`` holds the
    ``CodecError``). ``etag`` is the new version's (for a delete, the deleted version's).
    """

    kind: ChangeKind
    key: K
    value: V | None
    etag: str
    error: CodecError | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What a poll must do after listing.

    ``fetch`` holds ``(name, known etag or None)`` for objects that are new or changed, in
    listing order; ``deleted`` holds ``(name, known etag)`` for known objects no longer listed.
    """

    fetch: tuple[tuple[str, str | None], ...]
    deleted: tuple[tuple[str, str], ...]


def plan(
    known: Mapping[str, str],
    listed: Mapping[str, str],
    *,
    before: Mapping[str, str] | None = None,
) -> Plan:
    """Compare the versions known in a scope with a listing of that scope.

    ``known`` is the view after the listing; ``before``, the view when the listing started:
    an object counts as deleted only if the view held the same version all along (one the
    mapping itself wrote while the listing ran is not in the listing, and is not gone).
    """
    fetch = tuple((n, known.get(n)) for n, etag in listed.items() if known.get(n) != etag)
    deleted = tuple(
        (n, etag)
        for n, etag in known.items()
        if n not in listed and (before is None or before.get(n) == etag)
    )
    return Plan(fetch, deleted)


@dataclass(frozen=True)  # no slots, as for Change
class Fetched(Generic[V]):
    """What a GET of a planned object returned: the version read and its decoded value, or
    the ``CodecError`` its bytes raised. ``chain`` is that version's write-token history."""

    etag: str
    value: V | None = None
    error: CodecError | None = None
    chain: str | None = None


@dataclass(frozen=True, slots=True)
class ViewUpdate:
    """Set ``name`` to ``etag`` (``None``: drop it), only if the view still holds ``expected``."""

    name: str
    etag: str | None
    expected: str | None
    chain: str | None = None


def settle(
    key: K, name: str, known: str | None, fetched: Fetched[V] | None
) -> tuple[Change[K, V] | None, ViewUpdate | None]:
    """The change to report and the view update for one planned object.

    ``fetched`` is ``None`` when the object was gone by the time it was read (a delete of a
    known object, nothing for one never seen). A version equal to the known one is no change.
    """
    if fetched is None:
        if known is None:
            return None, None
        return Change("deleted", key, None, known), ViewUpdate(name, None, known)
    if fetched.etag == known:
        return None, None
    kind: ChangeKind = "added" if known is None else "modified"
    change = Change(kind, key, fetched.value, fetched.etag, fetched.error)
    return change, ViewUpdate(name, fetched.etag, known, fetched.chain)


def deleted(key: K, name: str, known: str) -> tuple[Change[K, Any], ViewUpdate]:
    """The change and view update for a known object no longer listed."""
    return Change("deleted", key, None, known), ViewUpdate(name, None, known)


class Backoff:
    """The pause before the next poll: ``interval`` normally; after consecutive transient
    failures, ``interval`` doubled per failure (with jitter), capped at ``cap`` seconds or
    ``interval`` if that is longer."""

    def __init__(self, interval: float, *, cap: float = 60.0) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be a positive number of seconds, not {interval!r}")
        self.interval = interval
        self.cap = max(cap, interval)
        self.failures = 0

    def next_delay(self, ok: bool) -> float:
        """Record a poll's outcome and return how long to wait before the next one."""
        if ok:
            self.failures = 0
            return self.interval
        self.failures += 1
        delay = min(self.cap, self.interval * 2.0 ** min(self.failures, 30))
        return delay * random.uniform(0.5, 1.0)
