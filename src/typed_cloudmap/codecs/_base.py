"""The codec seam: serializers turn values into bytes, transforms turn bytes into bytes.

A codec stack such as ``"orjson|zstd"`` is one :class:`Serializer` followed by any number of
:class:`Transform` codecs. Encoding runs left to right, decoding right to left. Codecs know
nothing of providers or pydantic: typed validation happens in ``typed_cloudmap._values``,
which asks a serializer for its ``format`` to pick a fast path (``"json"`` lets pydantic go
straight from bytes to a model).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["KeyBoundTransform", "Serializer", "Transform"]


@runtime_checkable
class Serializer(Protocol):
    """First codec of a stack: a value to bytes and back.

    ``name`` is the spelling that recreates it through the registry (``"orjson"``);
    ``format`` is ``"json"``, ``"pickle"``, ``"bytes"``, ``"text"`` or a plugin's own word;
    ``media_type`` becomes the object's ``Content-Type``.
    """

    @property
    def name(self) -> str: ...

    @property
    def format(self) -> str: ...

    @property
    def media_type(self) -> str: ...

    def dumps(self, value: object) -> bytes:
        """Serialize ``value``; raise ``TypeError``/``ValueError`` for what it cannot hold."""
        ...

    def loads(self, data: bytes) -> object:
        """Deserialize bytes; raise ``CodecError`` for bytes it cannot read."""
        ...


@runtime_checkable
class Transform(Protocol):
    """A later codec of a stack: bytes to bytes (compression, integrity, ...).

    ``content_encoding`` is an HTTP ``Content-Encoding`` token only for a transform whose
    output every HTTP client and cache undoes transparently (``gzip``); ``None`` otherwise,
    which is what every built-in transform declares: each SDK's default download must return
    exactly the stored bytes (see docs/codecs.md). ``decode`` must refuse output over
    ``limit`` bytes without allocating it.
    """

    @property
    def name(self) -> str: ...

    @property
    def content_encoding(self) -> str | None: ...

    def encode(self, data: bytes) -> bytes: ...

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        """Invert ``encode``; raise ``CodecError`` for bad input or output over ``limit``."""
        ...


@runtime_checkable
class KeyBoundTransform(Transform, Protocol):
    """A transform that binds each object to the key it is stored under (``aesgcm``).

    A :class:`CodecStack` calls these instead of ``encode``/``decode`` when it is given the
    key: ``key`` is the key's string form (not the object name, so a store copied to another
    prefix or bucket stays readable) and ``stack`` the stack's binding text (the serializer's
    format and the transforms' names, e.g. ``"json|zstd|aesgcm"``: what ``can_decode``
    compares, so parameters that do not change the bytes' meaning do not break reads).
    """

    def encode_bound(self, data: bytes, *, key: str, stack: str) -> bytes: ...

    def decode_bound(
        self, data: bytes, *, key: str, stack: str, limit: int | None = None
    ) -> bytes: ...
