"""The LocalProvider data file: a small header and the object's bytes, in one file.

Layout: ``b"TCM1"``, the header length as a 4-byte big-endian integer, the header (JSON:
full object name, etag, user metadata, content type and encoding), then the data. Data and
metadata live in one file that is replaced by one rename, so a reader never sees new bytes
with old metadata, and ``head``/``list`` read only the first few hundred bytes.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

__all__ = ["Header", "HeaderError", "encode_header", "read_object", "write_all"]

MAGIC = b"TCM1"
_PREAMBLE = struct.Struct(">4sI")
_HEADER_READ = 4096  # one read covers any ordinary header
_WHOLE_READ = 32 * 1024  # up to this size ``get`` reads the file in one go and slices it
_MAX_READ = 1 << 30  # Linux returns at most ~2 GiB per read


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
    fields = {
        "n": name,
        "e": etag,
        "m": dict(metadata or {}),
        "t": content_type,
        "c": content_encoding,
    }
    body = orjson.dumps(fields)
    return _PREAMBLE.pack(MAGIC, len(body)) + body


def read_object(
    path: str, *, with_data: bool, unless_etag: str | None = None
) -> tuple[Header, int, bytes | None]:
    """The header, data size and (if asked) data of the file at ``path``.

    With ``unless_etag``, the data is skipped (``None``) when the header carries that etag.
    Files are never modified once renamed into place, so one descriptor sees one version.
    Small files take a single read; bigger ones read the header, then the data by offset.
    Raises ``FileNotFoundError`` (or ``NotADirectoryError``) when there is no such file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        whole = with_data and size <= _WHOLE_READ
        first = _read_exact(fd, size if whole else min(size, _HEADER_READ), 0)
        header = _parse(fd, first)
        if not with_data or header.etag == unless_etag:
            return header, size - header.offset, None
        data = (
            first[header.offset :]
            if whole
            else _read_exact(fd, size - header.offset, header.offset)
        )
        return header, size - header.offset, data
    finally:
        os.close(fd)


def _read_exact(fd: int, n: int, offset: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = os.pread(fd, min(n, _MAX_READ), offset)
        if not chunk:
            raise HeaderError("file shorter than its header says")
        chunks.append(chunk)
        n -= len(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _parse(fd: int, first: bytes) -> Header:
    if len(first) < _PREAMBLE.size:
        raise HeaderError("file too short for a header")
    magic, length = _PREAMBLE.unpack_from(first)
    if magic != MAGIC:
        raise HeaderError("bad magic")
    offset = _PREAMBLE.size + length
    if len(first) < offset:
        first += _read_exact(fd, offset - len(first), len(first))
    try:
        fields = orjson.loads(first[_PREAMBLE.size : offset])
        header = Header(
            name=fields["n"],
            etag=fields["e"],
            metadata=fields["m"],
            content_type=fields["t"],
            content_encoding=fields["c"],
            offset=offset,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
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
