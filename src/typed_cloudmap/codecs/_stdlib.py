"""Serializers built on the standard library: ``raw``, ``str``, ``json`` and ``pickle``."""

from __future__ import annotations

import json
import pickle
from typing import Any

from typed_cloudmap.codecs._spec import as_bool, as_int, format_codec_spec
from typed_cloudmap.errors import CodecError

__all__ = ["JsonSerializer", "PickleSerializer", "RawSerializer", "StrSerializer"]


class RawSerializer:
    """Bytes-likes stored as they are: ``bytes``, ``bytearray`` and ``memoryview`` only.

    Anything else is a ``TypeError``: silently ``str()``-ing a value would store the wrong bytes.
    """

    __slots__ = ()
    name = "raw"
    format = "bytes"
    media_type = "application/octet-stream"

    def dumps(self, value: object) -> bytes:
        if isinstance(value, bytes):
            return value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        raise TypeError(
            "the raw codec stores bytes, bytearray or memoryview values, "
            f"not {type(value).__name__}"
        )

    def loads(self, data: bytes) -> object:
        return bytes(data)

    def __repr__(self) -> str:
        return "RawSerializer()"


class StrSerializer:
    """Text stored as UTF-8; bytes that are not UTF-8 raise ``CodecError`` on read."""

    __slots__ = ()
    name = "str"
    format = "text"
    media_type = "text/plain; charset=utf-8"

    def dumps(self, value: object) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"the str codec stores str values, not {type(value).__name__}")
        return value.encode("utf-8")

    def loads(self, data: bytes) -> object:
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CodecError(f"str: stored bytes are not UTF-8 ({exc.reason})") from exc

    def __repr__(self) -> str:
        return "StrSerializer()"


class JsonSerializer:
    """JSON through the standard library: compact UTF-8, and no NaN or Infinity.

    Refusing NaN keeps the stored text valid JSON for every other tool; ``orjson`` is faster
    and is the default for JSON-able values.
    """

    __slots__ = ("_indent", "_sort_keys")
    format = "json"
    media_type = "application/json"

    def __init__(self, *, sort_keys: object = False, indent: object = None) -> None:
        self._sort_keys = as_bool(sort_keys, codec="json", param="sort_keys")
        self._indent = (
            None if indent is None else as_int(indent, codec="json", param="indent", low=0, high=16)
        )

    @property
    def name(self) -> str:
        params: dict[str, object] = {}
        if self._sort_keys:
            params["sort_keys"] = True
        if self._indent is not None:
            params["indent"] = self._indent
        return format_codec_spec("json", params)

    def dumps(self, value: object) -> bytes:
        separators = (",", ":") if self._indent is None else (",", ": ")
        text = json.dumps(
            value,
            ensure_ascii=False,
            allow_nan=False,
            sort_keys=self._sort_keys,
            indent=self._indent,
            separators=separators,
        )
        return text.encode("utf-8")

    def loads(self, data: bytes) -> object:
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
            raise CodecError(f"json: stored bytes are not valid JSON ({exc})") from exc

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_json, (self._sort_keys, self._indent))

    def __repr__(self) -> str:
        return f"JsonSerializer({self.name!r})"


def _make_json(sort_keys: bool, indent: int | None) -> JsonSerializer:
    return JsonSerializer(sort_keys=sort_keys, indent=indent)


class PickleSerializer:
    """Any picklable Python object, via :mod:`pickle`.

    Security: unpickling runs code chosen by whoever wrote the object. Use ``pickle`` only on
    storage that no one untrusted can write to (or add ``hmac`` to the stack); it is never a
    default and is used only where a codec stack names it.
    """

    __slots__ = ("_protocol",)
    format = "pickle"
    media_type = "application/python-pickle"

    def __init__(self, *, protocol: object = 5) -> None:
        self._protocol = as_int(
            protocol, codec="pickle", param="protocol", low=2, high=pickle.HIGHEST_PROTOCOL
        )

    @property
    def name(self) -> str:
        return "pickle" if self._protocol == 5 else f"pickle:protocol={self._protocol}"

    def dumps(self, value: object) -> bytes:
        try:
            return pickle.dumps(value, protocol=self._protocol)
        except (pickle.PicklingError, AttributeError) as exc:
            raise TypeError(f"pickle: cannot pickle {type(value).__name__}: {exc}") from exc

    def loads(self, data: bytes) -> object:
        try:
            return pickle.loads(data)
        except Exception as exc:  # unpickling can fail with almost any exception type
            raise CodecError(f"pickle: cannot unpickle the stored bytes ({exc!r})") from exc

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_pickle, (self._protocol,))

    def __repr__(self) -> str:
        return f"PickleSerializer({self.name!r})"


def _make_pickle(protocol: int) -> PickleSerializer:
    return PickleSerializer(protocol=protocol)
