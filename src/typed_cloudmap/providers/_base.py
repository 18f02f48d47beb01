"""The provider seam: a narrow protocol over object names, bytes and etags.

A provider knows nothing of keys' types, codecs or pydantic. It stores opaque bytes under
object names, reports an etag for every version, and makes writes and deletes conditional on
etags; a ``put`` carries one :data:`PutMode`. Errors are translated in one place (the shipped
cloud providers share ``_translate``'s table):

- a failed condition (412, create-only on an existing object, if-match on a missing one)
  raises ``KeySyncError(name, expected_etag)``;
- a missing object raises ``KeyError(name)``;
- an object over the provider's size limit raises ``ValueSizeError``;
- anything else raises ``ProviderError`` with the SDK error as ``__cause__`` (scrubbed of
  secrets, see ``_redact``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias, TypedDict, Union, runtime_checkable

from typing_extensions import Unpack

from ..errors import ValueSizeError

__all__ = [
    "CREATE",
    "OVERWRITE",
    "IfMatch",
    "Limits",
    "ObjectInfo",
    "Provider",
    "PutMode",
    "PutOptions",
    "PutRequest",
    "StoredObject",
    "SupportsBatchDelete",
    "SupportsPoolSize",
    "put_mode",
    "put_request",
]

_EMPTY: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True)
class IfMatch:
    """Write mode: replace the version whose etag is ``etag``, and only that version."""

    etag: str

    def __post_init__(self) -> None:
        if not isinstance(self.etag, str) or not self.etag:
            raise TypeError(f"IfMatch needs a non-empty etag string, got {self.etag!r}")


PutMode: TypeAlias = Union[Literal["create", "overwrite"], IfMatch]  # noqa: UP007  # a runtime alias on Python 3.10
"""How a ``put`` may write, as one value whose states cannot contradict each other (obspec's
``PutMode``): ``"create"`` only if no object exists, ``"overwrite"`` unconditionally, or
``IfMatch(etag)`` only over that version."""

CREATE: Literal["create"] = "create"
OVERWRITE: Literal["overwrite"] = "overwrite"


def put_mode(expected: str | None) -> PutMode:
    """The mode of a write that expects ``expected`` (``None``: that no object exists)."""
    return CREATE if expected is None else IfMatch(expected)


class PutOptions(TypedDict, total=False):
    """What a ``put`` stores beside the bytes; every key is optional."""

    metadata: Mapping[str, str] | None
    content_type: str | None
    content_encoding: str | None


_PUT_OPTIONS = frozenset(PutOptions.__annotations__)


@dataclass(frozen=True, slots=True)
class PutRequest:
    """One checked ``put``: what every provider does first (see :func:`put_request`)."""

    name: str
    data: bytes
    mode: PutMode
    metadata: Mapping[str, str]
    content_type: str | None
    content_encoding: str | None

    @property
    def expected(self) -> str | None:
        """The etag an ``IfMatch`` mode names (``None`` for the other modes)."""
        return self.mode.etag if isinstance(self.mode, IfMatch) else None


class Limits(Protocol):
    """What :func:`put_request` reads of a provider, sync or async."""

    @property
    def name(self) -> str: ...

    @property
    def max_object_size(self) -> int: ...

    @property
    def max_name_length(self) -> int: ...


def put_request(
    provider: Limits, name: str, data: bytes, mode: PutMode, options: PutOptions
) -> PutRequest:
    """Check one ``put`` before any I/O: a known mode, known options, and an object and name
    within ``provider``'s limits (``ValueSizeError`` naming the object otherwise)."""
    # isinstance first: comparing an IfMatch with the strings goes through dataclass __eq__
    if not isinstance(mode, IfMatch) and mode not in (CREATE, OVERWRITE):
        raise TypeError(f"put mode must be 'create', 'overwrite' or IfMatch(etag), not {mode!r}")
    if not _PUT_OPTIONS.issuperset(options):
        unknown = sorted(set(options) - _PUT_OPTIONS)
        raise TypeError(f"put() got unexpected keyword arguments {unknown}")
    if len(data) > provider.max_object_size:
        raise ValueSizeError(
            f"{len(data)} bytes is over the {provider.max_object_size}-byte limit of "
            f"{provider.name}",
            key=name,
        )
    if len(name.encode()) > provider.max_name_length:
        raise ValueSizeError(
            f"object name is over the {provider.max_name_length}-byte limit of {provider.name}",
            key=name,
        )
    metadata = options.get("metadata")
    return PutRequest(
        name,
        bytes(data),
        mode,
        dict(metadata) if metadata else {},
        options.get("content_type"),
        options.get("content_encoding"),
    )


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One object as a listing or a HEAD reports it.

    ``metadata`` is the user metadata where the request returned it (HEAD does, most listings
    don't: then it is ``None``).
    """

    name: str
    etag: str
    size: int | None = None
    metadata: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object's bytes with the etag and user metadata of the version that was read."""

    data: bytes
    etag: str
    metadata: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    content_type: str | None = None
    content_encoding: str | None = None


@runtime_checkable
class Provider(Limits, Protocol):
    """Bytes and etags under object names; every write and delete can be conditional.

    ``name`` is a short description for messages (``"s3://bucket"``) and never holds a secret.
    ``max_object_size`` and ``max_name_length`` (bytes of UTF-8) let callers refuse what the
    service would refuse, before any I/O.
    """

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        """Read one object.

        With ``if_match``, a different stored version raises ``KeySyncError``. With
        ``if_none_match``, an unchanged object returns ``None`` (HTTP 304) without its bytes.
        A missing object raises ``KeyError(name)``.
        """
        ...

    def head(self, name: str) -> ObjectInfo:
        """Etag, size and user metadata of one object; ``KeyError(name)`` if it is missing."""
        ...

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        """Store ``data`` and return the new etag.

        ``mode="create"`` fails with ``KeySyncError(name, None)`` if the object exists;
        ``mode=IfMatch(etag)`` fails with ``KeySyncError(name, etag)`` if the stored etag
        differs or the object is gone; ``"overwrite"`` (the default) writes unconditionally.
        ``options`` are :class:`PutOptions` (user metadata, content type and encoding).
        A failed write changes nothing. Implementations start with :func:`put_request`.
        """
        ...

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        """Delete one object.

        ``if_match`` fails with ``KeySyncError`` if the stored etag differs or the object is
        gone; without it a missing object raises ``KeyError(name)``.
        """
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose name starts with ``prefix``, with etags, in pages of the
        service's size (never a request per object)."""
        ...

    def close(self) -> None:
        """Release SDK clients and pools; the provider reopens them lazily if used again."""
        ...


@runtime_checkable
class SupportsBatchDelete(Protocol):
    """A provider with a native batch delete (S3 ``DeleteObjects``, Azure batch)."""

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        """Delete each ``(name, if_match)``; return the failures by name (empty: all gone)."""
        ...


@runtime_checkable
class SupportsPoolSize(Protocol):
    """A provider whose connection pool can grow to match a caller's thread count."""

    def ensure_pool_size(self, size: int) -> None:
        """Hold at least ``size`` connections from now on (clients opened later use it)."""
        ...
