"""The ``aesgcm`` transform: envelope encryption of each object, bound to its key.

Each write draws a fresh random 256-bit data key and a 96-bit nonce, encrypts with
AES-256-GCM, and stores the data key wrapped by the primary key-encryption key (KEK) beside
the KEK's id (layout in ``_aesgcm_format``). The tag covers the header, the key's string
form and the stack's binding text, so any changed byte, or an object moved to another key,
fails to decode. The object *name* is not bound: copying a store to another prefix or
bucket keeps it readable.

Unwrapped data keys of objects read or written recently are kept in a bounded LRU cache
(``cache_size``, default 1024 keys, about 100 KB) when the KEKs live in a KMS, so rereading
an object costs no KMS call. Local keyrings are never cached: unwrapping costs about as
much as a cache lookup, and an unwrapped key kept in memory is a key that could leak.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, cast

from typed_cloudmap.codecs import _aesgcm_format as fmt
from typed_cloudmap.codecs._keyring import DEFAULT_ENV, KEY_BYTES, EnvKeyring, KeyWrapper
from typed_cloudmap.codecs._keyring import _LocalKeys as LocalKeys
from typed_cloudmap.codecs._kms import AwsKmsKeyWrapper
from typed_cloudmap.codecs._limits import check_limit, over_limit
from typed_cloudmap.codecs._spec import as_int, format_codec_spec
from typed_cloudmap.errors import CodecError, MissingDependencyError

__all__ = ["AesGcmTransform", "kek_id_of"]

DEFAULT_CACHE = 1024


_AEAD: tuple[Any, Any] | None = None


def _aead() -> tuple[Any, Any]:
    """``(AESGCM, InvalidTag)``, imported on first use (cryptography is an optional extra)."""
    global _AEAD
    if _AEAD is None:
        try:
            from cryptography.exceptions import InvalidTag
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError as exc:
            raise MissingDependencyError("cryptography", "crypto") from exc
        _AEAD = (AESGCM, InvalidTag)
    return _AEAD


def kek_id_of(data: bytes) -> str:
    """The id of the KEK an aesgcm object's data key is wrapped under (no key needed)."""
    return fmt.parse(data).kek_id


class _KeyCache:
    """A bounded LRU of unwrapped data keys by (KEK id, wrapped key)."""

    __slots__ = ("_items", "_lock", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, kek_id: str, wrapped: bytes) -> bytes | None:
        with self._lock:
            key = self._items.get((kek_id, wrapped))
            if key is not None:
                self._items.move_to_end((kek_id, wrapped))
            return key

    def put(self, kek_id: str, wrapped: bytes, data_key: bytes) -> None:
        with self._lock:
            self._items[(kek_id, wrapped)] = data_key
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class AesGcmTransform:
    """AES-256-GCM envelope encryption; objects are bound to their keys and their stack.

    KEKs come from ``env=`` (a variable holding base64 keys, read at each use; the default
    ``TYPED_CLOUDMAP_AESGCM_KEYS``), ``keyring=`` (a :class:`Keyring` or any
    :class:`KeyWrapper`, such as :class:`AwsKmsKeyWrapper`), or ``kms=`` (an AWS KMS key id,
    with boto3's configuration). The name shows only the variable, the primary KEK's id or
    the KMS key id. Put ``aesgcm`` last in a stack: encrypted bytes do not compress.
    """

    __slots__ = ("_cache", "_cache_size", "_wrapper")
    content_encoding = None

    def __init__(
        self,
        *,
        env: object = None,
        keyring: object = None,
        kms: object = None,
        kek: object = None,
        cache_size: object = DEFAULT_CACHE,
    ) -> None:
        given = [n for n, v in (("env", env), ("keyring", keyring), ("kms", kms)) if v is not None]
        if len(given) > 1:
            raise CodecError(f"codec 'aesgcm': pass one of env=, keyring=, kms=; got {given}")
        size = as_int(cache_size, codec="aesgcm", param="cache_size", low=0, high=1 << 20)
        wrapper: KeyWrapper
        if keyring is not None:
            # Known types first: on Python < 3.12 the Protocol check evaluates primary_id,
            # which reads the environment for an EnvKeyring.
            known = isinstance(keyring, LocalKeys | AwsKmsKeyWrapper)
            if not known and not isinstance(keyring, KeyWrapper):
                raise CodecError("codec 'aesgcm': keyring= takes a Keyring or a KeyWrapper")
            wrapper = cast(KeyWrapper, keyring)  # checked just above
        elif kms is not None:
            wrapper = AwsKmsKeyWrapper(str(kms))
        elif kek is not None:
            raise CodecError(
                "codec 'aesgcm': kek= only names the primary KEK of a keyring passed from "
                "Python (keyring=); from a string, use env=VAR or kms=KEY_ID"
            )
        else:
            wrapper = EnvKeyring(DEFAULT_ENV if env is None else str(env))
        if kek is not None and str(kek) != wrapper.primary_id:
            raise CodecError(f"codec 'aesgcm': the keyring's primary KEK is not {kek}")
        self._wrapper = wrapper
        self._cache_size = size
        cached = size > 0 and not isinstance(wrapper, LocalKeys)
        self._cache: _KeyCache | None = _KeyCache(size) if cached else None

    @property
    def keyring(self) -> KeyWrapper:
        """Where the KEKs come from."""
        return self._wrapper

    @property
    def primary_id(self) -> str:
        """The id of the KEK new objects are wrapped under (reads the environment for env=)."""
        return self._wrapper.primary_id

    @property
    def name(self) -> str:
        wrapper = self._wrapper
        if isinstance(wrapper, EnvKeyring):
            return format_codec_spec("aesgcm", {"env": wrapper.env})
        if isinstance(wrapper, AwsKmsKeyWrapper):
            return format_codec_spec("aesgcm", {"kms": wrapper.primary_id})
        return format_codec_spec("aesgcm", {"kek": wrapper.primary_id})

    def encode(self, data: bytes) -> bytes:
        raise CodecError(
            "aesgcm binds each object to its key, so it needs the key: use it in a "
            "CloudMapping, or pass key= to CodecStack.encode_bytes/dumps"
        )

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        raise CodecError(
            "aesgcm binds each object to its key, so it needs the key: use it in a "
            "CloudMapping, or pass key= to CodecStack.decode_bytes/loads"
        )

    def encode_bound(self, data: bytes, *, key: str, stack: str) -> bytes:
        aesgcm, _ = _aead()
        fresh = os.urandom(KEY_BYTES + fmt.NONCE_BYTES)  # one system call for both
        data_key, nonce = fresh[:KEY_BYTES], fresh[KEY_BYTES:]
        kek_id, wrapped = self._wrapper.wrap(data_key)
        head = fmt.header(kek_id, wrapped)
        sealed = aesgcm(data_key).encrypt(nonce, data, fmt.associated_data(head, key, stack))
        if self._cache is not None:
            self._cache.put(kek_id, wrapped, data_key)
        return b"".join((head, nonce, sealed))

    def _data_key(self, kek_id: str, wrapped: bytes) -> bytes:
        cache = self._cache
        if cache is None:
            return self._wrapper.unwrap(kek_id, wrapped)
        data_key = cache.get(kek_id, wrapped)
        if data_key is None:
            data_key = self._wrapper.unwrap(kek_id, wrapped)
            cache.put(kek_id, wrapped, data_key)
        return data_key

    def decode_bound(self, data: bytes, *, key: str, stack: str, limit: int | None = None) -> bytes:
        limit = check_limit(limit)
        aesgcm, invalid_tag = _aead()
        envelope = fmt.parse(data)
        if limit is not None and len(envelope.sealed) - fmt.TAG_BYTES > limit:
            raise over_limit("aesgcm", limit)
        data_key = self._data_key(envelope.kek_id, envelope.wrapped)
        aad = fmt.associated_data(envelope.header, key, stack)
        try:
            plain: bytes = aesgcm(data_key).decrypt(envelope.nonce, envelope.sealed, aad)
        except invalid_tag:
            raise CodecError(
                f"aesgcm: authentication failed (data key under KEK {envelope.kek_id!r}): "
                "the object was altered, moved here from another key, or written by another "
                f"codec stack than {stack!r}"
            ) from None
        return plain

    def rewrap_needed(self, data: bytes) -> bool:
        """Whether an object of this codec is wrapped under a KEK other than the primary."""
        return kek_id_of(data) != self._wrapper.primary_id

    def __reduce__(self) -> tuple[Any, ...]:
        # A Keyring refuses to pickle unless made picklable; env= pickles the name only.
        return (_make_aesgcm, (self._wrapper, self._cache_size))

    def __repr__(self) -> str:
        return f"AesGcmTransform({self.name!r})"


def _make_aesgcm(wrapper: KeyWrapper, cache_size: int) -> AesGcmTransform:
    return AesGcmTransform(keyring=wrapper, cache_size=cache_size)
