"""The LocalProvider data file: a small header and the object's bytes, in one file.

Layout: ``b"TCM1"``, the header length as a 4-byte big-endian integer, the header (JSON:
full object name, etag, user metadata, content type and encoding), then the data. Data and
metadata live in one file that is replaced by one rename, so a reader never sees new bytes
with old metadata, and ``head``/``list`` read only the first few hundred bytes.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["Header", "HeaderError", "encode_header", "read_header"]

MAGIC = b"TCM1"
_PREAMBLE = struct.Struct(">4sI")


class HeaderError(ValueError):
    """A file in the store is not a LocalProvider data file (or is damaged)."""


@dataclass(frozen=True, slots=True)
class Header:
    """What a data file says about itself; ``offset`` is where the data starts."""

    name: str
    etag: str
    metadata: Mapping[str, str]
    content_type: str | None
    content_encoding: str | None
    offset: int


def encode_header(
    name: str,
    etag: str,
    metadata: Mapping[str, str] | None,
    content_type: str | None,
    content_encoding: str | None,
) -> bytes:
    """Preamble plus JSON header, ready to be followed by the data."""
    fields = {"n": name, "e": etag, "m": dict(metadata or {}), "t": content_type,
              "c": content_encoding}
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return _PREAMBLE.pack(MAGIC, len(body)) + body


def read_header(f: BinaryIO) -> Header:
    """Read and parse the header at the start of ``f``, leaving it positioned at the data."""
    preamble = f.read(_PREAMBLE.size)
    if len(preamble) != _PREAMBLE.size:
        raise HeaderError("file too short for a header")
    magic, length = _PREAMBLE.unpack(preamble)
    if magic != MAGIC:
        raise HeaderError("bad magic")
    body = f.read(length)
    if len(body) != length:
        raise HeaderError("truncated header")
    try:
        fields = json.loads(body)
        header = Header(
            name=fields["n"],
            etag=fields["e"],
            metadata=fields["m"],
            content_type=fields["t"],
            content_encoding=fields["c"],
            offset=_PREAMBLE.size + length,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise HeaderError(f"unreadable header: {exc}") from exc
    if not isinstance(header.name, str) or not isinstance(header.etag, str):
        raise HeaderError("header lacks a name or etag")
    return header


def write_all(fd: int, *parts: bytes) -> None:
    """Write every byte of ``parts`` to ``fd`` (``os.writev`` may write less than asked)."""
    views = [memoryview(p) for p in parts if p]
    while views:
        written = os.writev(fd, views)
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]
