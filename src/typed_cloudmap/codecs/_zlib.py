"""The ``zlib`` transform: DEFLATE in a zlib wrapper, HTTP ``Content-Encoding: deflate``."""

from __future__ import annotations

import zlib
from typing import Any

from typed_cloudmap.codecs._limits import check_limit, over_limit
from typed_cloudmap.codecs._spec import as_int
from typed_cloudmap.errors import CodecError

__all__ = ["ZlibTransform"]

_DEFAULT_LEVEL = 6


class ZlibTransform:
    """Compress with zlib at ``level`` 0-9 (default 6); decoding honours a size limit.

    With a limit, inflating stops after ``limit + 1`` bytes of output, so a bomb costs at most
    ``limit`` bytes of memory before it is refused.
    """

    __slots__ = ("_level",)
    content_encoding = "deflate"

    def __init__(self, *, level: object = _DEFAULT_LEVEL) -> None:
        level = as_int(level, codec="zlib", param="level", low=-1, high=9)
        self._level = _DEFAULT_LEVEL if level == -1 else level

    @property
    def name(self) -> str:
        return "zlib" if self._level == _DEFAULT_LEVEL else f"zlib:level={self._level}"

    def encode(self, data: bytes) -> bytes:
        return zlib.compress(data, self._level)

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        limit = check_limit(limit)
        inflater = zlib.decompressobj()
        try:
            if limit is None:
                out = inflater.decompress(data)
            else:
                out = inflater.decompress(data, limit + 1)
                if len(out) > limit:
                    raise over_limit("zlib", limit)
        except zlib.error as exc:
            raise CodecError(f"zlib: corrupt data ({exc})") from exc
        if not inflater.eof:
            raise CodecError("zlib: truncated data (the stream does not end)")
        if inflater.unused_data:
            raise CodecError("zlib: unexpected bytes after the end of the stream")
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_zlib, (self._level,))

    def __repr__(self) -> str:
        return f"ZlibTransform({self.name!r})"


def _make_zlib(level: int) -> ZlibTransform:
    return ZlibTransform(level=level)
