"""Write tokens: how a writer recognises its own write after the reply was lost.

Every write stores a fresh random token (``tcm_token``) and the tokens of the versions it
replaced, most recent first (``tcm_prior``, at most ``HISTORY`` of them). When a write fails
its condition, or the SDK gives up, the writer reads the object's metadata: its own token
means its write is the current version; its token in the history means its write landed and
another writer has since built on it. Either way the write succeeded and must not be
reported (or retried) as a failure.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from enum import Enum

from .providers import Provider

__all__ = [
    "HISTORY",
    "META_PRIOR",
    "META_TOKEN",
    "Outcome",
    "chain_of",
    "judge",
    "new_token",
    "reconcile",
]

META_TOKEN = "tcm_token"  # noqa: S105  # a metadata key name, not a secret
META_PRIOR = "tcm_prior"
HISTORY = 8


class Outcome(Enum):
    """What the stored object says about a write whose reply was not a success."""

    CURRENT = "current"  # our write is the stored version
    SUPERSEDED = "superseded"  # our write landed; another writer replaced it since
    ABSENT = "absent"  # nothing shows our write landed


def new_token() -> str:
    return secrets.token_hex(8)


def chain_of(metadata: Mapping[str, str] | None) -> str:
    """The history a write replacing this version stores: its token, then its own history."""
    if not metadata:
        return ""
    tokens = [metadata.get(META_TOKEN, ""), *metadata.get(META_PRIOR, "").split()]
    return " ".join([t for t in tokens if t][:HISTORY])


def judge(metadata: Mapping[str, str] | None, token: str) -> Outcome:
    if not metadata:
        return Outcome.ABSENT
    if metadata.get(META_TOKEN) == token:
        return Outcome.CURRENT
    if token in metadata.get(META_PRIOR, "").split():
        return Outcome.SUPERSEDED
    return Outcome.ABSENT


def reconcile(provider: Provider, name: str, token: str) -> tuple[bool, str | None]:
    """After a failed or unanswered write: did it land, and is it still current?

    Returns ``(landed, etag)``: the etag when our write is the stored version, ``None`` when
    it landed but another writer has already replaced it. Costs one HEAD.
    """
    try:
        info = provider.head(name)
    except KeyError:
        return False, None
    outcome = judge(info.metadata, token)
    if outcome is Outcome.CURRENT:
        return True, info.etag
    return outcome is Outcome.SUPERSEDED, None
