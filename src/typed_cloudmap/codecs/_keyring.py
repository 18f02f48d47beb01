"""Key-encryption keys (KEKs) for ``aesgcm``: the ``KeyWrapper`` protocol and local keyrings.

A KEK never encrypts values: it wraps the fresh data key of each object (AES-256-GCM with
the KEK id as associated data, for local keys; a KMS call for ``AwsKmsKeyWrapper``).
Each KEK has a public id, stored beside the wrapped data key; the primary KEK wraps new data
keys and every KEK of the keyring unwraps. Key material never appears in ids, ``repr``,
``str``, error messages or pickles: a :class:`Keyring` refuses to pickle unless made with
``picklable=True``, and an :class:`EnvKeyring` pickles as the variable's name only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import pickle
import re
import threading
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from typed_cloudmap.errors import CodecError

__all__ = [
    "DEFAULT_ENV",
    "KEY_BYTES",
    "EnvKeyring",
    "KeyWrapper",
    "Keyring",
    "check_kek_id",
    "generate_key",
    "kek_fingerprint",
]

DEFAULT_ENV = "TYPED_CLOUDMAP_AESGCM_KEYS"
KEY_BYTES = 32  # AES-256
_ID_DOMAIN = b"typed-cloudmap/aesgcm-kek-id/v1\x00"
_KEK_ID = re.compile(r"[^\s,|=\x00-\x1f\x7f]{1,200}\Z")
_SEPARATORS = re.compile(r"[\s,]+")
_WRAP_NONCE = 12
_WRAP_DOMAIN = b"typed-cloudmap/aesgcm-wrap/v1\x00"


def _wrap_aad(kek_id: str) -> bytes:
    return _WRAP_DOMAIN + kek_id.encode("utf-8")


@runtime_checkable
class KeyWrapper(Protocol):
    """Wraps and unwraps data keys under key-encryption keys (a keyring, or a KMS service).

    ``primary_id`` is the id of the KEK that :meth:`wrap` uses; it is stored with each object
    and passed back to :meth:`unwrap`. Both raise ``CodecError`` for a key they cannot use
    (unknown id, wrong key, altered wrapped key), with messages that never hold key material.
    """

    @property
    def primary_id(self) -> str: ...

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        """Wrap ``data_key`` under the primary KEK: ``(kek_id, wrapped)``."""
        ...

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        """The data key that ``wrapped`` holds under KEK ``kek_id``."""
        ...


def check_kek_id(kek_id: object) -> str:
    """``kek_id`` if it can be stored and shown in a codec name, else ``CodecError``."""
    if not isinstance(kek_id, str) or not _KEK_ID.match(kek_id):
        raise CodecError(
            "aesgcm: a KEK id is 1-200 characters without spaces, control characters, "
            "',', '|' or '='"
        )
    return kek_id


def kek_fingerprint(key: bytes) -> str:
    """The public id of a KEK read from the environment: 16 hex digits of an HMAC of it."""
    return hmac.new(key, _ID_DOMAIN, hashlib.sha256).hexdigest()[:16]


def generate_key() -> str:
    """A new random AES-256 KEK, base64-encoded (for ``Keyring`` or an environment variable)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _as_kek(key: object, where: str) -> bytes:
    """A 32-byte KEK from bytes or base64 text; errors say ``where``, never the value."""
    raw: bytes | None = None
    if isinstance(key, bytes | bytearray) and len(key) == KEY_BYTES:
        raw = bytes(key)
    elif isinstance(key, str | bytes):
        try:
            text = key if isinstance(key, str) else key.decode("ascii")
            decoded = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        raw = decoded if len(decoded) == KEY_BYTES else None
    if raw is None:
        raise CodecError(f"aesgcm: {where} is not an AES-256 key (32 bytes, or their base64 text)")
    return raw


def _aesgcm(kek: bytes) -> Any:
    from typed_cloudmap.codecs._aesgcm import _aead  # the one lazy import of cryptography

    return _aead()[0](kek)


class _LocalKeys:
    """Data keys wrapped with AES-256-GCM under one of a few local KEKs (both keyrings).

    A wrapped key is a random 12-byte nonce, the encrypted data key and the 16-byte tag;
    the KEK id is bound as associated data. One ``AESGCM`` object is kept per KEK.
    """

    __slots__ = ()

    def _keys(self) -> tuple[str, Mapping[str, Any]]:
        """The primary id and the ``AESGCM`` object of every KEK, by id."""
        raise NotImplementedError

    @property
    def primary_id(self) -> str:
        return self._keys()[0]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every KEK id of the keyring, the primary first."""
        primary, keys = self._keys()
        return (primary, *sorted(k for k in keys if k != primary))

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        primary, keys = self._keys()
        nonce = os.urandom(_WRAP_NONCE)
        return primary, nonce + keys[primary].encrypt(nonce, data_key, _wrap_aad(primary))

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        kek = self._keys()[1].get(kek_id)
        if kek is None:
            raise CodecError(f"aesgcm: KEK {kek_id!r} is not in the keyring ({self._where()})")
        from typed_cloudmap.codecs._aesgcm import _aead

        invalid_tag = _aead()[1]
        try:
            data_key: bytes = kek.decrypt(
                wrapped[:_WRAP_NONCE], wrapped[_WRAP_NONCE:], _wrap_aad(kek_id)
            )
        except (invalid_tag, ValueError) as exc:
            raise CodecError(
                f"aesgcm: the data key does not unwrap under KEK {kek_id!r} (another key "
                "under that id, or the stored object was altered)"
            ) from exc
        if len(data_key) != KEY_BYTES:
            raise CodecError(f"aesgcm: the data key under KEK {kek_id!r} has the wrong size")
        return data_key

    def _where(self) -> str:
        return f"known: {', '.join(self.ids)}"


class Keyring(_LocalKeys):
    """Local KEKs by id: ``Keyring({"k1": key1, "k2": key2}, primary="k2")``.

    Keys are 32 bytes or their base64 text (see :func:`generate_key`). The primary wraps the
    data keys of new objects; all of them unwrap. Rotation: add a new key and roll the keyring
    out to every reader, then make it the primary, then ``typed-cloudmap rekey`` the store,
    then drop the old key.

    A keyring holds key material, so pickling it raises ``pickle.PicklingError``: a stack is
    pickled whenever a mapping goes to a Dask or multiprocessing worker, and those pickles end
    up in task graphs, caches and crash dumps. Ship keys to workers with ``aesgcm:env=VAR``
    instead, or pass ``picklable=True`` to accept that the pickle holds the keys.
    """

    __slots__ = ("_aead", "_map", "_picklable", "_primary")

    def __init__(
        self, keys: Mapping[str, bytes | str], *, primary: str, picklable: bool = False
    ) -> None:
        if not isinstance(keys, Mapping) or not keys:
            raise CodecError("aesgcm: a Keyring needs at least one {kek_id: key}")
        self._map: dict[str, bytes] = {
            check_kek_id(kid): _as_kek(key, f"the key of KEK {kid!r}") for kid, key in keys.items()
        }
        if primary not in self._map:
            raise CodecError(f"aesgcm: the primary KEK {primary!r} is not in the keyring")
        self._primary = primary
        self._picklable = bool(picklable)
        self._aead: dict[str, Any] | None = None

    def _keys(self) -> tuple[str, Mapping[str, Any]]:
        aead = self._aead
        if aead is None:  # built on first use, so a keyring can exist without cryptography
            aead = self._aead = {kid: _aesgcm(key) for kid, key in self._map.items()}
        return self._primary, aead

    def with_primary(self, primary: str) -> Keyring:
        """The same keys with another primary (the promote step of a rotation)."""
        return Keyring(self._map, primary=primary, picklable=self._picklable)

    def __reduce__(self) -> tuple[Any, ...]:
        if not self._picklable:
            raise pickle.PicklingError(
                "a Keyring holds key material and refuses to be pickled; use "
                "aesgcm:env=VAR to ship keys to workers, or Keyring(..., picklable=True)"
            )
        return (_make_keyring, (self._map, self._primary))

    def __repr__(self) -> str:
        return f"Keyring(primary={self._primary!r}, ids={list(self.ids)!r})"


def _make_keyring(keys: dict[str, bytes], primary: str) -> Keyring:
    return Keyring(keys, primary=primary, picklable=True)


class EnvKeyring(_LocalKeys):
    """KEKs from an environment variable, read at each use: one or more base64 keys.

    The first key is the primary; keys are separated by spaces or commas, and each key's id
    is its fingerprint (:func:`kek_fingerprint`). Rotation: put the new key first, keep the
    old ones after it until ``rekey`` has run. Pickles as the variable's name only.
    """

    __slots__ = ("_cache", "_lock", "env")

    def __init__(self, env: str = DEFAULT_ENV) -> None:
        if not isinstance(env, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            raise CodecError("codec 'aesgcm': env must name an environment variable")
        self.env = env
        self._lock = threading.Lock()
        self._cache: tuple[str, str, dict[str, Any]] | None = None

    def _keys(self) -> tuple[str, Mapping[str, Any]]:
        value = os.environ.get(self.env, "")
        cached = self._cache
        if cached is not None and cached[0] == value:
            return cached[1], cached[2]
        entries = [e for e in _SEPARATORS.split(value) if e]
        if not entries:
            raise CodecError(
                f"aesgcm: environment variable {self.env} is not set; it must hold one or "
                "more base64 AES-256 keys (the first encrypts)"
            )
        keys: dict[str, Any] = {}
        for position, entry in enumerate(entries, start=1):
            kek = _as_kek(entry, f"entry #{position} of {self.env}")
            keys.setdefault(kek_fingerprint(kek), _aesgcm(kek))
        primary = kek_fingerprint(_as_kek(entries[0], self.env))
        with self._lock:
            self._cache = (value, primary, keys)
        return primary, keys

    def _where(self) -> str:
        return f"{self.env} holds: {', '.join(self.ids)}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (EnvKeyring, (self.env,))

    def __repr__(self) -> str:
        return f"EnvKeyring({self.env!r})"
