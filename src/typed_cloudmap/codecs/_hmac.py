"""The ``hmac`` transform: an HMAC-SHA256 tag appended on write and verified on read.

It detects any change to a stored object by someone without the key (and, before
``pickle``, keeps forged objects from ever being unpickled). It does not hide the data,
and it does not bind an object to its key name: a valid object copied to another key
still verifies. The key never appears in ``name``, ``repr`` or error messages.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from typed_cloudmap.codecs._limits import check_limit, over_limit
from typed_cloudmap.codecs._spec import format_codec_spec
from typed_cloudmap.errors import CodecError

__all__ = ["DEFAULT_ENV", "MIN_KEY_BYTES", "HmacTransform", "fingerprint", "hmac_key_id"]

DEFAULT_ENV = "TYPED_CLOUDMAP_HMAC_KEY"
MIN_KEY_BYTES = 16
_TAG_SIZE = hashlib.sha256().digest_size
_TAG_DOMAIN = b"typed-cloudmap/hmac-sha256/v1\x00"
_ID_DOMAIN = b"typed-cloudmap/hmac-key-id/v1\x00"


def fingerprint(key: bytes) -> str:
    """A short public fingerprint of ``key`` (16 hex digits), safe to show in names."""
    return hmac.new(key, _ID_DOMAIN, hashlib.sha256).hexdigest()[:16]


def hmac_key_id(key: str | bytes) -> str:
    """The ``key_id`` of an ``hmac`` key: 16 hex digits, safe to show, log or put in a stack.

    ``hmac:env=VAR,key_id=ID`` then refuses to read or write with any other key in ``VAR``,
    and it is the ``key_id=`` a stack built with ``key=`` shows in its name. The same check
    as the codec's (str as UTF-8, at least 16 bytes; ``CodecError`` otherwise).
    """
    return fingerprint(_as_key(key))


def _as_key(key: object) -> bytes:
    if isinstance(key, bool) or not isinstance(key, str | bytes | int | float):
        raise CodecError("codec 'hmac': key must be str or bytes")
    raw = key if isinstance(key, bytes) else str(key).encode("utf-8")
    if len(raw) < MIN_KEY_BYTES:
        raise CodecError(f"codec 'hmac': the key must be at least {MIN_KEY_BYTES} bytes")
    return raw


class HmacTransform:
    """Append and verify an HMAC-SHA256 tag; tampered or truncated objects raise ``CodecError``.

    The key comes from ``key=`` (str or bytes; the name then shows only ``key_id=``, a
    fingerprint) or, by default, from the environment variable named by ``env=``
    (``TYPED_CLOUDMAP_HMAC_KEY``), read at each use so a stack can be built before the key
    is set. ``key_id=`` with an environment key checks that the key is the expected one.
    A stack with a direct key pickles *with* the key; prefer ``env=`` to ship stacks to workers.
    """

    __slots__ = ("_env", "_key", "_key_id")
    content_encoding = None

    def __init__(self, *, key: object = None, env: object = None, key_id: object = None) -> None:
        if key is not None and env is not None:
            raise CodecError("codec 'hmac': pass key= or env=, not both")
        if env is not None and (not isinstance(env, str) or not env or "=" in env):
            raise CodecError("codec 'hmac': env must name an environment variable")
        self._env: str = DEFAULT_ENV if env is None else env
        self._key: bytes | None = None if key is None else _as_key(key)
        expected = None if key_id is None else str(key_id)
        if self._key is not None:
            actual = fingerprint(self._key)
            if expected is not None and expected != actual:
                raise CodecError(f"codec 'hmac': the key does not match key_id={expected}")
            expected = actual
        self._key_id: str | None = expected

    @property
    def name(self) -> str:
        if self._key is not None:
            return format_codec_spec("hmac", {"key_id": self._key_id})
        # "hmac:key_id=X" (a direct key, or one from the default variable) re-parses to the
        # same codec, as does "hmac:env=E"; the variable is shown unless key_id says it all.
        params: dict[str, object] = {}
        if self._key_id is None or self._env != DEFAULT_ENV:
            params["env"] = self._env
        if self._key_id is not None:
            params["key_id"] = self._key_id
        return format_codec_spec("hmac", params)

    @property
    def key_id(self) -> str | None:
        """The key's fingerprint (``hmac_key_id``), if known before the key is read."""
        return self._key_id

    def _current_key(self) -> bytes:
        if self._key is not None:
            return self._key
        value = os.environ.get(self._env)
        if not value:
            raise CodecError(
                f"hmac: environment variable {self._env} is not set; it must hold the HMAC key"
            )
        key = _as_key(value)
        if self._key_id is not None and fingerprint(key) != self._key_id:
            raise CodecError(f"hmac: the key in {self._env} does not match key_id={self._key_id}")
        return key

    def _tag(self, key: bytes, data: bytes | memoryview) -> bytes:
        mac = hmac.new(key, _TAG_DOMAIN, hashlib.sha256)
        mac.update(data)
        return mac.digest()

    def encode(self, data: bytes) -> bytes:
        return bytes(data) + self._tag(self._current_key(), data)

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        limit = check_limit(limit)
        size = len(data) - _TAG_SIZE
        if size < 0:
            raise CodecError("hmac: the object is shorter than its tag (truncated?)")
        if limit is not None and size > limit:
            raise over_limit("hmac", limit)
        view = memoryview(data)
        body, tag = view[:size], view[size:]
        if not hmac.compare_digest(self._tag(self._current_key(), body), tag):
            raise CodecError(
                "hmac: integrity check failed: the object was modified or truncated, "
                "or written with another key"
            )
        return bytes(body)

    def __reduce__(self) -> tuple[Any, ...]:
        env = None if self._key is not None else self._env
        return (_make_hmac, (self._key, env, self._key_id))

    def __repr__(self) -> str:
        return f"HmacTransform({self.name!r})"


def _make_hmac(key: bytes | None, env: str | None, expected: str | None) -> HmacTransform:
    return HmacTransform(key=key, env=env, key_id=expected)
