"""The bytes of an ``aesgcm`` object, and the associated data its tag covers.

Layout (version 1)::

    b"TCMe" | version (1 byte) | KEK id length (1) | KEK id (UTF-8)
            | wrapped key length (2, big-endian) | wrapped data key
            | nonce (12) | AES-256-GCM ciphertext | tag (16)

Everything before the nonce is the header. The associated data is a domain string, the
header, the key's string form and the stack's binding text, each length-prefixed, so no
byte of the header can change, and no object can move to another key, without failing the
tag check.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from typed_cloudmap.errors import CodecError

__all__ = ["MAGIC", "NONCE_BYTES", "TAG_BYTES", "VERSION", "Envelope", "associated_data", "parse"]

MAGIC = b"TCMe"
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_DOMAIN = b"typed-cloudmap/aesgcm/v1\x00"
_FIXED = len(MAGIC) + 2  # magic, version, KEK id length


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed object: ``header`` is the bytes before the nonce."""

    kek_id: str
    wrapped: bytes
    header: bytes
    nonce: bytes
    sealed: memoryview  # ciphertext then tag


def header(kek_id: str, wrapped: bytes) -> bytes:
    kid = kek_id.encode("utf-8")
    if len(kid) > 255 or len(wrapped) > 0xFFFF:
        raise CodecError("aesgcm: the KEK id or the wrapped data key is too long to store")
    return b"".join(
        (MAGIC, bytes((VERSION, len(kid))), kid, struct.pack(">H", len(wrapped)), wrapped)
    )


def parse(data: bytes | bytearray | memoryview) -> Envelope:
    """Split stored bytes into their parts; ``CodecError`` if they are not an aesgcm object."""
    if not isinstance(data, bytes):
        data = bytes(data)
    if data[:4] != MAGIC or len(data) < _FIXED:
        raise CodecError("aesgcm: the object is not aesgcm-encrypted (or its header is damaged)")
    if data[4] != VERSION:
        raise CodecError(f"aesgcm: unknown format version {data[4]} (this library reads 1)")
    kid_end = _FIXED + data[5]
    if len(data) < kid_end + 2:
        raise CodecError("aesgcm: the object is truncated (in its header)")
    try:
        kek_id = data[_FIXED:kid_end].decode("utf-8")
    except UnicodeDecodeError:
        raise CodecError("aesgcm: the stored KEK id is damaged") from None
    nonce_at = kid_end + 2 + (data[kid_end] << 8 | data[kid_end + 1])
    sealed_at = nonce_at + NONCE_BYTES
    if len(data) < sealed_at + TAG_BYTES:
        raise CodecError(f"aesgcm: the object under KEK {kek_id!r} is truncated")
    return Envelope(
        kek_id,
        data[kid_end + 2 : nonce_at],
        data[:nonce_at],
        data[nonce_at:sealed_at],
        memoryview(data)[sealed_at:],  # no copy of the ciphertext
    )


def _part(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def associated_data(head: bytes, key: str, stack: str) -> bytes:
    """What the tag covers besides the ciphertext."""
    return b"".join(
        (_DOMAIN, _part(head), _part(key.encode("utf-8", "surrogatepass")), _part(stack.encode()))
    )
