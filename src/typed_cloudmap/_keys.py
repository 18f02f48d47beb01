"""Keys of any supported type <-> object names, reversibly.

A key becomes text (``str``, ``int``, ``UUID``, ``date``, ``Enum`` natively; anything else
that pydantic can parse back from its string form), then an object name: the mapping's
prefix plus the text percent-encoded. Only ``A-Z a-z 0-9 - . _ ~`` and ``/`` stay literal, and
``/`` only between two non-empty segments, so keys show as folders in cloud consoles while
every name is safe on every backend (no ``\\``, no empty or dot segments, nothing to
normalise). Decoding is plain percent-decoding, so the mapping is exact both ways.

``encoding="quote"`` names objects exactly as cloud-mappings did (``urllib.parse.quote`` of the
key, ``/`` kept everywhere), so a mapping can address every object that library wrote, edge
cases such as ``a//b`` or ``dir/`` included; those names may not suit every backend.
"""

from __future__ import annotations

import datetime
import enum
import re
import typing
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

from . import _values
from .errors import ValueSizeError

__all__ = ["KEY_ENCODINGS", "KeyCodec"]

K = TypeVar("K")

_SAFE = "-._~"
KEY_ENCODINGS = ("percent", "quote")


# Text that percent-encoding leaves as it is: segments of unreserved characters, none empty
# and none of dots alone (the common key; see _encode_text's general path for the rest).
_PLAIN = re.compile(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.+(?:/|$)")


def _encode_text(text: str, *, as_prefix: bool = False) -> str:
    """Percent-encode ``text``; ``as_prefix`` treats the text as the start of longer keys."""
    if _PLAIN.fullmatch(text) and ("." not in text or not _DOT_SEGMENT.search(text)):
        return text
    quoted = quote(text, safe=_SAFE + "/", encoding="utf-8", errors="strict")
    out: list[str] = []
    last = len(quoted) - 1
    prev = ""
    for i, ch in enumerate(quoted):
        if ch == "/" and (i == 0 or prev == "/" or (i == last and not as_prefix)):
            out.append("%2F")
        else:
            out.append(ch)
        prev = ch
    segments = "".join(out).split("/")
    for i, seg in enumerate(segments):
        if seg and seg.strip(".") == "":
            if as_prefix and i == len(segments) - 1:
                segments[i] = ""  # a trailing run of dots may grow into a dot segment or not
            else:
                segments[i] = "%2E" * len(seg)
    return "/".join(segments)


def _quote_text(text: str, *, as_prefix: bool = False) -> str:
    """cloud-mappings' object name for ``text``: ``urllib.parse.quote`` keeping ``/``.

    Character by character, so the name of a key prefix is a prefix of its keys' names.
    """
    return quote(text, safe="/", encoding="utf-8", errors="strict")


def _native_converters(tp: Any) -> tuple[Callable[[Any], str], Callable[[str], Any]] | None:
    if tp is str:
        return str, str
    if tp is int:
        return int.__repr__, int
    if tp is uuid.UUID:
        return str, uuid.UUID
    if tp is datetime.date:
        return datetime.date.isoformat, datetime.date.fromisoformat
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        by_text = {str(m.value): m for m in tp}
        if len(by_text) != len(tp):
            raise TypeError(f"{tp.__name__}: two members share a string form; cannot be keys")
        return (lambda m: str(tp(m).value)), by_text.__getitem__
    return None


_CONTAINERS = (tuple, list, dict, set, frozenset)


def _refuse_container(tp: Any) -> None:
    """Containers have no string form that parses back; refuse them when the mapping is made."""
    origin = typing.get_origin(tp) or tp
    if isinstance(origin, type) and issubclass(origin, _CONTAINERS):
        raise TypeError(
            f"key type {tp!r}: a container cannot be a key; use str, int, UUID, date, an Enum "
            "or a type pydantic parses back from its string form (for a pair, a str such as "
            "f'{a}/{b}')"
        )


class KeyCodec(Generic[K]):
    """Turns keys of type ``K`` into object names under ``prefix`` and back.

    ``max_name_length`` (bytes of UTF-8) makes over-long keys fail before any I/O.
    ``encoding`` is ``"percent"`` (the default, safe everywhere) or ``"quote"`` (the names
    cloud-mappings made: ``urllib.parse.quote``).
    """

    def __init__(
        self,
        key_type: type[K],
        prefix: str = "",
        max_name_length: int = 1024,
        encoding: str = "percent",
    ) -> None:
        if encoding not in KEY_ENCODINGS:
            raise ValueError(f"key encoding {encoding!r}: expected one of {KEY_ENCODINGS}")
        self.key_type = key_type
        self.prefix = prefix
        self.max_name_length = max_name_length
        self.encoding = encoding
        self._encode_text = _encode_text if encoding == "percent" else _quote_text
        converters = _native_converters(key_type)
        self._native = converters is not None
        if converters is None:
            _refuse_container(key_type)
            converters = _values.string_converters(key_type)
        self._to_text, self._from_text = converters
        self._is_str = key_type is str

    def text(self, key: K) -> str:
        """The key's string form (what ``sync(prefix)`` matches against)."""
        if self._is_str:
            if not isinstance(key, str):
                raise TypeError(f"key {key!r}: expected str, got {type(key).__name__}")
            return key
        if self._native and (
            not isinstance(key, self.key_type) or (self.key_type is int and isinstance(key, bool))
        ):
            raise TypeError(
                f"key {key!r}: expected {self.key_type.__name__}, got {type(key).__name__}"
            )
        try:
            text = self._to_text(key)
            back = self._from_text(text)
        except (TypeError, ValueError, KeyError) as exc:
            raise TypeError(
                f"key {key!r}: not a {getattr(self.key_type, '__name__', self.key_type)}"
            ) from exc
        if back != key or not isinstance(text, str):
            raise TypeError(f"key {key!r}: its string form {text!r} does not parse back to it")
        return text

    def encode(self, key: K) -> str:
        """The object name for ``key``; ``TypeError``/``ValueError`` before any I/O if none."""
        text = self.text(key)
        if text == "":
            raise ValueError("key '': the empty key cannot name an object")
        try:
            name = self.prefix + self._encode_text(text)
        except UnicodeEncodeError as exc:
            raise ValueError(f"key {key!r}: not valid Unicode text ({exc.reason})") from exc
        size = len(name.encode())
        if size > self.max_name_length:
            raise ValueSizeError(
                f"its object name is {size} bytes, over the provider's "
                f"{self.max_name_length}-byte limit",
                key=key,
            )
        return name

    def decode(self, name: str) -> K:
        """The key stored under ``name``; ``ValueError`` for names this codec did not make."""
        if not name.startswith(self.prefix):
            raise ValueError(f"object {name!r} is outside prefix {self.prefix!r}")
        encoded = name[len(self.prefix) :]
        text = unquote(encoded, errors="strict")
        if self._encode_text(text) != encoded:
            raise ValueError(f"object {name!r} is not a name this mapping's key codec makes")
        if self._is_str:
            return text  # type: ignore[return-value]  # K is str here
        key: K = self._from_text(text)
        if self.text(key) != text:
            raise ValueError(f"object {name!r} is not the canonical name of key {key!r}")
        return key

    def try_decode(self, name: str) -> tuple[bool, K | None]:
        """``(True, key)`` for names this codec makes, ``(False, None)`` for foreign objects."""
        try:
            return True, self.decode(name)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            return False, None

    def name_prefix(self, key_prefix: str) -> str:
        """A name prefix covering every key whose string form starts with ``key_prefix``.

        It may cover a few more names (siblings such as ``a/bx`` for ``a/b/``); callers
        filter by the decoded key's text.
        """
        encoded = self._encode_text(key_prefix, as_prefix=True)
        if encoded.endswith("/"):
            encoded = encoded[:-1]  # the key equal to the prefix ends in %2F, not /
        return self.prefix + encoded
