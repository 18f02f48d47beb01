"""Where LocalProvider keeps an object's metadata: never inside the data file.

The user metadata, content type and content encoding are one small JSON document. It goes in
the extended attribute ``user.typed-cloudmap`` of the data file, set on the temp file before
the rename, so data and metadata land together in one atomic step. Where the file system
refuses user extended attributes, it goes in a sidecar file ``.typed-cloudmap/meta/<sha256 of
the name>.json`` under the store's home instead; the sidecar records the inode it belongs to,
so a file replaced by another tool is read without stale metadata. A file with neither is a
foreign object: no metadata, read with the mapping's own codec.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import cast

import orjson

__all__ = [
    "MAX_METADATA",
    "XATTR",
    "Meta",
    "MetaError",
    "decode_meta",
    "encode_meta",
    "get_xattr",
    "meta_of",
    "set_xattr",
    "sidecar_name",
]

XATTR = "user.typed-cloudmap"
MAX_METADATA = 64 * 1024  # the Linux limit of one extended attribute; sidecars are held to it
_UNSUPPORTED = {errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.ENOSYS}
_EMPTY: Mapping[str, str] = {}


class MetaError(ValueError):
    """Metadata that is not what LocalProvider writes (damaged, foreign or too large)."""


@dataclass(frozen=True, slots=True)
class Meta:
    metadata: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    content_type: str | None = None
    content_encoding: str | None = None


NO_META = Meta()


def encode_meta(
    metadata: Mapping[str, str] | None,
    content_type: str | None,
    content_encoding: str | None,
    **extra: int | str,
) -> bytes | None:
    """The JSON document, or ``None`` when there is nothing to store."""
    if not metadata and content_type is None and content_encoding is None and not extra:
        return None
    doc: dict[str, object] = {"m": dict(metadata or {})}
    if content_type is not None:
        doc["t"] = content_type
    if content_encoding is not None:
        doc["c"] = content_encoding
    doc.update(extra)
    blob = orjson.dumps(doc)
    if len(blob) > MAX_METADATA:
        raise MetaError(f"metadata of {len(blob)} bytes is over the {MAX_METADATA}-byte limit")
    return blob


def decode_meta(blob: bytes) -> tuple[Meta, dict[str, object]]:
    """The metadata in ``blob`` and the whole document (sidecars add fields)."""
    if len(blob) > MAX_METADATA:
        raise MetaError(f"metadata over {MAX_METADATA} bytes")
    try:
        loaded: object = orjson.loads(blob)
    except orjson.JSONDecodeError as exc:
        raise MetaError(f"unreadable metadata: {exc}") from None
    if not isinstance(loaded, dict):
        raise MetaError("metadata is not a JSON object")
    doc = cast("dict[str, object]", loaded)
    metadata: object = doc.get("m", {})
    if not isinstance(metadata, dict):
        raise MetaError("metadata is not a map of strings")
    pairs = cast("dict[object, object]", metadata)
    strings = {k: v for k, v in pairs.items() if isinstance(k, str) and isinstance(v, str)}
    if len(strings) != len(pairs):
        raise MetaError("metadata is not a map of strings")
    content_type, content_encoding = doc.get("t"), doc.get("c")
    if not isinstance(content_type, (str, type(None))) or not isinstance(
        content_encoding, (str, type(None))
    ):
        raise MetaError("content type or encoding is not a string")
    return Meta(MappingProxyType(strings), content_type, content_encoding), doc


@functools.lru_cache(maxsize=4096)
def meta_of(blob: bytes) -> Meta:
    """``decode_meta`` for the common case, cached: re-reads of an object skip the parse
    (the metadata is a read-only mapping, so sharing it is safe)."""
    meta, _ = decode_meta(blob)
    return meta


_HAS_XATTRS = hasattr(os, "setxattr")  # Python exposes them on Linux only (not macOS)


def set_xattr(fd: int, blob: bytes) -> bool:
    """Store ``blob`` on the open file; ``False`` when the file system has no user xattrs."""
    if not _HAS_XATTRS:
        return False
    try:
        os.setxattr(fd, XATTR, blob)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED:
            return False
        if exc.errno in (errno.E2BIG, errno.ENOSPC):
            raise MetaError(
                f"metadata of {len(blob)} bytes is over this file system's extended-attribute "
                "limit (ext4: one block); use fewer metadata or metadata='sidecar'"
            ) from None
        raise
    return True


def get_xattr(fd: int) -> bytes | None:
    """The stored document of the open file, or ``None`` if it has none."""
    if not _HAS_XATTRS:
        return None
    try:
        return os.getxattr(fd, XATTR)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED or exc.errno == errno.ENODATA:
            return None
        raise


def sidecar_name(key: str) -> str:
    """The sidecar file of object ``key`` (its name relative to the store's home)."""
    return hashlib.sha256(key.encode()).hexdigest() + ".json"
