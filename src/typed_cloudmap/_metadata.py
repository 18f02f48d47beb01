"""The ``tcm_*`` metadata every write stores, built and parsed in one place.

- ``tcm_codec``: the codec stack's name (``orjson|zstd``), so readers can refuse or pick it.
- ``tcm_schema``: the schema fingerprint of the value type it was validated as.
- ``tcm_token``: a fresh random token naming this write.
- ``tcm_prior``: the tokens of the versions it replaced, most recent first (at most
  ``HISTORY``), so a writer whose reply was lost can tell that its write landed and another
  writer has since built on it (see ``_core``).

Stored metadata is untrusted input: anything may have written the object. Every parser here
checks types and sizes and raises ``CodecError`` naming the metadata key, never
``TypeError`` or ``AttributeError``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from typing import Any, cast

from .errors import CodecError

__all__ = [
    "HISTORY",
    "MAX_PRIOR",
    "META_CODEC",
    "META_PRIOR",
    "META_SCHEMA",
    "META_TOKEN",
    "Outcome",
    "build",
    "chain_of",
    "checked",
    "extended",
    "history",
    "judge",
    "new_token",
    "stored_codec",
    "stored_schema",
]

META_CODEC = "tcm_codec"
META_SCHEMA = "tcm_schema"
META_TOKEN = "tcm_token"  # noqa: S105  # a metadata key name, not a secret
META_PRIOR = "tcm_prior"
HISTORY = 8
_TOKEN_BYTES = 8
# HISTORY tokens of 16 hex digits and their separators fit in 135 bytes; the bound leaves
# room for other writers' longer tokens but refuses a history that would cost real memory.
MAX_PRIOR = 4096
_MAX_FIELD = 4096  # tcm_codec / tcm_schema / tcm_token: short names and digests
_KEYS = (META_CODEC, META_SCHEMA, META_TOKEN, META_PRIOR)


class Outcome(Enum):
    """What the stored object says about a write whose reply was not a success."""

    CURRENT = "current"  # our write is the stored version
    SUPERSEDED = "superseded"  # our write landed; another writer replaced it since
    ABSENT = "absent"  # nothing shows our write landed


def new_token() -> str:
    return os.urandom(_TOKEN_BYTES).hex()  # what secrets.token_hex does, in one call


def build(codec: str, schema: str, token: str, prior: str) -> dict[str, str]:
    """The metadata of a new write: its stack, fingerprint, token and replaced history."""
    metadata = {META_CODEC: codec, META_SCHEMA: schema, META_TOKEN: token}
    if prior:
        metadata[META_PRIOR] = prior
    return metadata


def checked(metadata: object, key: Any = None) -> Mapping[str, str]:
    """``metadata`` if it is a mapping whose ``tcm_*`` entries are strings within bounds.

    ``None`` (a provider that stores no metadata) is an empty mapping.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise CodecError(f"stored metadata is a {type(metadata).__name__}, not an object", key=key)
    meta = cast("Mapping[str, object]", metadata)
    for name in _KEYS:
        value = meta.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise CodecError(
                f"stored metadata {name!r} is a {type(value).__name__}, not a string", key=key
            )
        limit = MAX_PRIOR if name == META_PRIOR else _MAX_FIELD
        if len(value) > limit:
            raise CodecError(
                f"stored metadata {name!r} is {len(value)} characters, over the {limit} limit",
                key=key,
            )
    return cast("Mapping[str, str]", meta)  # every tcm_* entry checked; others are not ours


def stored_codec(metadata: object, key: Any = None) -> str | None:
    """The stack name an object was written with (``None``: no ``tcm_codec``)."""
    return checked(metadata, key).get(META_CODEC)


def stored_schema(metadata: object, key: Any = None) -> str | None:
    """The schema fingerprint an object was written with (``None``: no ``tcm_schema``)."""
    return checked(metadata, key).get(META_SCHEMA)


def chain_of(metadata: object, key: Any = None) -> str:
    """The history a write replacing this version stores: its token, then its own history."""
    return history(checked(metadata, key))


def history(meta: Mapping[str, str]) -> str:
    """:func:`chain_of` for metadata already :func:`checked` (or built here)."""
    tokens = [meta.get(META_TOKEN, ""), *meta.get(META_PRIOR, "").split()]
    return " ".join([t for t in tokens if t][:HISTORY])


def extended(token: str, prior: str) -> str:
    """The history of a version written as ``token`` over a version whose history is
    ``prior``: what :func:`chain_of` reads back from :func:`build`'s metadata, without
    re-checking metadata this process just built."""
    return " ".join([token, *prior.split()][:HISTORY])


def judge(metadata: object, token: str, key: Any = None) -> Outcome:
    """Whether the version with this metadata is write ``token``, builds on it, or neither."""
    meta = checked(metadata, key)
    if meta.get(META_TOKEN) == token:
        return Outcome.CURRENT
    if token in meta.get(META_PRIOR, "").split():
        return Outcome.SUPERSEDED
    return Outcome.ABSENT
