"""The ``zlib`` transform: DEFLATE in a zlib wrapper (stored with no ``Content-Encoding``)."""

from __future__ import annotations

import zlib
from typing import Any

from typed_cloudmap.codecs._limits import check_limit, over_limit
from typed_cloudmap.codecs._spec import as_int
from typed_cloudmap.errors import CodecError

__all__ = ["ZlibTransform"]

_DEFAULT_LEVEL = 6
_STEP = 1 << 20  # output bytes per inflate step when a limit applies


class ZlibTransform:
    """Compress with zlib at ``level`` 0-9 (default 6); decoding honours a size limit.

    With a limit, output is produced in 1 MiB steps and counted, so a bomb is refused as soon
    as it passes ``limit`` and costs at most about ``limit`` bytes of memory.
    """

    __slots__ = ("_level",)
    # Not "deflate": HTTP clients would inflate the body before the SDK sees it (GCS then fails
    # its checksum, Azure returns other bytes than were stored). The stack is in metadata.
    content_encoding = None

    def __init__(self, *, level: object = _DEFAULT_LEVEL) -> None:
        self._level = as_int(level, codec="zlib", param="level", low=0, high=9)

    @property
    def name(self) -> str:
        return "zlib" if self._level == _DEFAULT_LEVEL else f"zlib:level={self._level}"

    def encode(self, data: bytes) -> bytes:
        return zlib.compress(data, self._level)

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        limit = check_limit(limit)
        inflater = zlib.decompressobj()
        try:
            out = (
                inflater.decompress(data) if limit is None else self._bounded(inflater, data, limit)
            )
        except zlib.error as exc:
            raise CodecError(f"zlib: corrupt data ({exc})") from exc
        if not inflater.eof:
            raise CodecError("zlib: truncated data (the stream does not end)")
        if inflater.unused_data:
            raise CodecError("zlib: unexpected bytes after the end of the stream")
        return out

    @staticmethod
    def _bounded(inflater: Any, data: bytes, limit: int) -> bytes:
        """Inflate in fixed-size steps, counting, so refusing a bomb costs at most ``limit``."""
        chunks: list[bytes] = []
        total = 0
        rest = data
        while not inflater.eof:
            out = inflater.decompress(rest, _STEP)
            total += len(out)
            if total > limit:
                raise over_limit("zlib", limit)
            chunks.append(out)
            rest = inflater.unconsumed_tail
            if not rest and len(out) < _STEP:
                break  # input exhausted and nothing pending: eof or truncated, decode() checks
        return b"".join(chunks)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_zlib, (self._level,))

    def __repr__(self) -> str:
        return f"ZlibTransform({self.name!r})"


def _make_zlib(level: int) -> ZlibTransform:
    return ZlibTransform(level=level)
