"""``CodecStack``: one serializer then transforms, built from ``"orjson|zstd:level=9"``.

Encoding runs left to right (value -> bytes -> transformed bytes), decoding right to left.
The stack's ``name`` is its canonical spelling; it round-trips through :func:`parse_stack`
and is what two stacks are compared by.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias, cast

from typed_cloudmap.codecs._base import KeyBoundTransform, Serializer, Transform
from typed_cloudmap.codecs._registry import get_codec
from typed_cloudmap.codecs._spec import parse_codec_spec, split_stack
from typed_cloudmap.errors import CodecError

__all__ = ["CodecLike", "CodecStack", "StackSpec", "parse_stack"]

_STAGE_SLACK = 64 * 1024

CodecLike: TypeAlias = "str | Serializer | Transform"
StackSpec: TypeAlias = "str | CodecStack | Serializer | Transform | Iterable[CodecLike]"


def _items(spec: object) -> list[object]:
    if isinstance(spec, str):
        return list(split_stack(spec))
    if isinstance(spec, CodecStack):
        return list(spec.codecs)
    if isinstance(spec, Serializer | Transform):
        return [spec]
    if isinstance(spec, Iterable):
        return list(spec)
    raise TypeError(
        "a codec stack is a str, a list of names or codec objects, or a CodecStack; "
        f"got {type(spec).__name__}"
    )


def _codec(item: object) -> object:
    if isinstance(item, str):
        if "|" in item:
            raise CodecError(f"codec {item.split(':')[0]!r}: a list item names one codec (no '|')")
        return get_codec(item)
    if isinstance(item, Serializer | Transform):
        return item
    raise TypeError(f"not a codec or codec name: {type(item).__name__}")


class CodecStack:
    """An immutable, picklable stack: ``serializer`` then ``transforms``.

    ``CodecStack("orjson|zstd:level=9")``, ``CodecStack(["orjson", "zstd"])`` and
    ``CodecStack([OrjsonSerializer(), "zstd"])`` all work; equal names mean equal stacks.
    """

    __slots__ = ("_binding", "_bound", "_name", "serializer", "transforms")

    serializer: Serializer
    transforms: tuple[Transform, ...]

    def __init__(self, spec: StackSpec) -> None:
        codecs = [_codec(item) for item in _items(spec)]
        if not codecs:
            raise CodecError("a codec stack needs at least a serializer")
        first, rest = codecs[0], codecs[1:]
        if not isinstance(first, Serializer):
            name = getattr(first, "name", type(first).__name__)
            raise CodecError(
                f"codec stack must start with a serializer (raw, str, json, orjson, pickle); "
                f"{name!r} is a transform"
            )
        transforms: list[Transform] = []
        for codec in rest:
            if isinstance(codec, Serializer):
                raise CodecError(
                    f"codec stack has a second serializer {codec.name!r}; only the first codec "
                    "turns values into bytes, the rest must be transforms"
                )
            assert isinstance(codec, Transform)  # _codec() returns only the two kinds
            transforms.append(codec)
        self.serializer = first
        self.transforms = tuple(transforms)
        self._name = "|".join([first.name, *(t.name for t in transforms)])
        self._bound = tuple(isinstance(t, KeyBoundTransform) for t in transforms)
        self._binding = "|".join([first.format, *(t.name.partition(":")[0] for t in transforms)])

    @property
    def codecs(self) -> tuple[Serializer | Transform, ...]:
        """The serializer followed by the transforms, in encoding order."""
        return (self.serializer, *self.transforms)

    @property
    def name(self) -> str:
        """The canonical spelling, e.g. ``"orjson|zstd:level=9"``."""
        return self._name

    @property
    def format(self) -> str:
        """The serializer's format word (``"json"``, ``"bytes"``, ...)."""
        return self.serializer.format

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` of stored objects: the serializer's media type."""
        return self.serializer.media_type

    @property
    def content_encoding(self) -> str | None:
        """The transforms' ``Content-Encoding`` tokens, in the order applied, or ``None``.

        ``None`` when there is no transform or any transform lacks an HTTP token (``hmac``):
        a header that a client could only half-undo would be worse than none.
        """
        tokens = [t.content_encoding for t in self.transforms]
        if not tokens or any(token is None for token in tokens):
            return None
        return ", ".join(token for token in tokens if token is not None)

    @property
    def binds_key(self) -> bool:
        """Whether a transform binds objects to their keys (``aesgcm``): pass ``key=`` then."""
        return any(self._bound)

    @property
    def binding(self) -> str:
        """What key-bound transforms bind besides the key: ``"json|zstd|aesgcm"``."""
        return self._binding

    def encode_bytes(self, data: bytes, *, key: str | None = None) -> bytes:
        """Run the transforms over serialized bytes; ``key`` is the key's string form."""
        for transform, bound in zip(self.transforms, self._bound, strict=True):
            if bound and key is not None:
                bound_transform = cast(KeyBoundTransform, transform)  # checked in __init__
                data = bound_transform.encode_bound(data, key=key, stack=self._binding)
            else:
                data = transform.encode(data)
        return data

    def decode_bytes(
        self, data: bytes, *, limit: int | None = None, key: str | None = None
    ) -> bytes:
        """Undo the transforms, last first; the serialized bytes are held to ``limit``.

        Intermediate stages hold an encoded form of those bytes, which may be a little larger
        (a header, a tag, base64), so they get ``2 * limit + 64 KiB``: still bounded.
        """
        last = len(self.transforms) - 1
        stages = zip(reversed(self.transforms), reversed(self._bound), strict=True)
        for position, (transform, bound) in enumerate(stages):
            stage_limit = limit
            if limit is not None and position < last:
                stage_limit = 2 * limit + _STAGE_SLACK
            if bound and key is not None:
                # checked in __init__ (an isinstance on a Protocol here would cost ~50 us)
                data = cast(KeyBoundTransform, transform).decode_bound(
                    data, key=key, stack=self._binding, limit=stage_limit
                )
            else:
                data = transform.decode(data, limit=stage_limit)
        return data

    def dumps(self, value: object, *, key: str | None = None) -> bytes:
        """Serialize and transform ``value`` (untyped; typed code validates first)."""
        return self.encode_bytes(self.serializer.dumps(value), key=key)

    def loads(self, data: bytes, *, limit: int | None = None, key: str | None = None) -> object:
        """Undo :meth:`dumps`."""
        return self.serializer.loads(self.decode_bytes(data, limit=limit, key=key))

    def can_decode(self, other: str | CodecStack) -> bool:
        """Whether this stack reads objects written by ``other`` (a stack or its name).

        Parameters of transforms do not matter (``zstd:level=9`` output reads with ``zstd``),
        serializers of the same format are interchangeable (``json``/``orjson``), and the
        order and names of the transforms must match.
        """
        theirs = split_stack(other) if isinstance(other, str) else [c.name for c in other.codecs]
        if len(theirs) != len(self.transforms) + 1:
            return False
        names = [parse_codec_spec(spec)[0] for spec in theirs]
        mine = [parse_codec_spec(t.name)[0] for t in self.transforms]
        if names[1:] != mine:
            return False
        if names[0] == parse_codec_spec(self.serializer.name)[0]:
            return True
        try:
            writer = get_codec(names[0])
        except (CodecError, ImportError):
            return False
        return isinstance(writer, Serializer) and writer.format == self.serializer.format

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CodecStack):
            return self._name == other._name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CodecStack, (self.codecs,))

    def __repr__(self) -> str:
        return f"CodecStack({self._name!r})"

    def __str__(self) -> str:
        return self._name


def parse_stack(spec: StackSpec) -> CodecStack:
    """Return ``spec`` if it is a :class:`CodecStack`, else build one from it."""
    return spec if isinstance(spec, CodecStack) else CodecStack(spec)
