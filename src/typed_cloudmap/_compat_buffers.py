"""Codecs made of plain ``dumps``/``loads`` callables, for the seed's ``.with_buffers([...])``.

cloud-mappings chained user functions: ``[dumps_1, loads_1, dumps_2, loads_2, ...]`` where the
dumps run first to last on write and the loads last to first on read. Here the first pair
becomes a :class:`FunctionSerializer` and every later pair a :class:`FunctionTransform`, so
the result is an ordinary :class:`~typed_cloudmap.codecs.CodecStack`.

These codecs are not in the registry (a callable cannot be recreated from a name). Their
names, ``buffers:dumps=json.dumps,loads=json.loads``, record the callables' qualified names in
each object's ``tcm_codec`` metadata for humans; a mapping built with another stack refuses
those objects with ``CodecError`` instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .codecs import CodecStack
from .codecs._spec import format_codec_spec
from .errors import CodecError

__all__ = ["FunctionSerializer", "FunctionTransform", "stack_from_buffers"]

_UNSAFE = re.compile(r"[|,=:\s]")


def _label(fn: Callable[..., Any]) -> str:
    """A readable, stack-safe name for a callable: ``module.qualname`` where it has one."""
    inner = getattr(fn, "func", None)  # functools.partial: name the wrapped function
    target = inner if callable(inner) else fn
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    module = getattr(target, "__module__", None)
    text = f"{module}.{qualname}" if module and module != "builtins" else qualname
    return _UNSAFE.sub("_", text) or "fn"


def _name(dumps: Callable[..., Any], loads: Callable[..., Any]) -> str:
    return format_codec_spec("buffers", {"dumps": _label(dumps), "loads": _label(loads)})


def _as_bytes(out: object, fn: Callable[..., Any]) -> bytes:
    """Bytes-likes pass; ``str`` is UTF-8 encoded (the seed's ``json.dumps`` returned text)."""
    if isinstance(out, bytes):
        return out
    if isinstance(out, bytearray | memoryview):
        return bytes(out)
    if isinstance(out, str):
        return out.encode("utf-8")
    raise TypeError(f"{_label(fn)} returned {type(out).__name__}, not bytes")


class FunctionSerializer:
    """A serializer from a ``dumps``/``loads`` pair; values reach ``dumps`` untouched.

    ``format`` is ``"pickle"`` because that is the word the value layer reads as "hand the
    Python object over as it is" (a JSON-format serializer would get a JSON-ready copy).
    """

    __slots__ = ("_dumps", "_loads", "_name")
    format = "pickle"
    media_type = "application/octet-stream"

    def __init__(self, dumps: Callable[[Any], Any], loads: Callable[[bytes], Any]) -> None:
        if not callable(dumps) or not callable(loads):
            raise TypeError("with_buffers takes callables: [dumps_1, loads_1, dumps_2, ...]")
        self._dumps = dumps
        self._loads = loads
        self._name = _name(dumps, loads)

    @property
    def name(self) -> str:
        return self._name

    def dumps(self, value: object) -> bytes:
        return _as_bytes(self._dumps(value), self._dumps)

    def loads(self, data: bytes) -> object:
        try:
            return self._loads(data)
        except Exception as exc:  # a user function may fail with any exception type
            raise CodecError(
                f"{_label(self._loads)}: cannot read the stored bytes ({exc!r})"
            ) from exc

    def __reduce__(self) -> tuple[Any, ...]:
        return (FunctionSerializer, (self._dumps, self._loads))

    def __repr__(self) -> str:
        return f"FunctionSerializer({self._name!r})"


class FunctionTransform:
    """A bytes-to-bytes transform from an ``encode``/``decode`` pair (``zlib.compress``...).

    ``limit`` is checked after ``decode`` returns: an arbitrary function cannot be stopped
    early, so a decompression bomb costs its full size once before it is refused.
    """

    __slots__ = ("_decode", "_encode", "_name")
    content_encoding = None

    def __init__(self, encode: Callable[[bytes], Any], decode: Callable[[bytes], Any]) -> None:
        if not callable(encode) or not callable(decode):
            raise TypeError("with_buffers takes callables: [dumps_1, loads_1, dumps_2, ...]")
        self._encode = encode
        self._decode = decode
        self._name = _name(encode, decode)

    @property
    def name(self) -> str:
        return self._name

    def encode(self, data: bytes) -> bytes:
        return _as_bytes(self._encode(data), self._encode)

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        try:
            out = _as_bytes(self._decode(data), self._decode)
        except Exception as exc:  # a user function may fail with any exception type
            raise CodecError(
                f"{_label(self._decode)}: cannot decode the stored bytes ({exc!r})"
            ) from exc
        if limit is not None and len(out) > limit:
            raise CodecError(f"{_label(self._decode)}: decoded size is over the {limit}-byte limit")
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        return (FunctionTransform, (self._encode, self._decode))

    def __repr__(self) -> str:
        return f"FunctionTransform({self._name!r})"


def stack_from_buffers(io_buffers: Sequence[Callable[..., Any]]) -> CodecStack:
    """``[dumps_1, loads_1, dumps_2, loads_2, ...]`` as a stack: dumps_1 runs first on write."""
    funcs = list(io_buffers)
    if not funcs or len(funcs) % 2:
        raise ValueError(
            "with_buffers needs pairs of functions: [dumps_1, loads_1, dumps_2, loads_2, ...]"
        )
    pairs = list(zip(funcs[::2], funcs[1::2], strict=True))
    serializer = FunctionSerializer(*pairs[0])
    return CodecStack([serializer, *(FunctionTransform(enc, dec) for enc, dec in pairs[1:])])
