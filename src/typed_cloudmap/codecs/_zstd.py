"""The ``zstd`` transform: Zstandard compression, HTTP ``Content-Encoding: zstd``.

zstandard's compressor and decompressor objects are not thread-safe but are costly to
create, so each thread keeps its own pair per codec instance. zstandard is imported when
the codec is created, so a missing install surfaces as ``MissingDependencyError``.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

from typed_cloudmap.codecs._limits import check_limit, over_limit
from typed_cloudmap.codecs._spec import as_bool, as_int, format_codec_spec
from typed_cloudmap.errors import CodecError, MissingDependencyError

__all__ = ["ZstdTransform"]

_DEFAULT_LEVEL = 3
_MIN_LEVEL = -(1 << 17)  # ZSTD_minCLevel(): the fastest "negative" level
_MAX_LEVEL = 22


def _zstandard() -> ModuleType:
    try:
        import zstandard
    except ImportError:
        raise MissingDependencyError("zstandard", "zstd") from None
    return zstandard


class _PerThread(threading.local):
    compressor: Any = None
    decompressor: Any = None


class ZstdTransform:
    """Compress with Zstandard at ``level`` (default 3; 1-22, or negative for speed).

    Frames carry their content size and, unless ``checksum=false``, a checksum of the content,
    so truncation and corruption are detected. ``decode(data, limit=N)`` refuses a frame that
    declares more than ``N`` bytes at once; a frame without a declared size is first streamed
    with bounded buffers and its output counted, so a bomb never costs more than ``N`` bytes.
    A frame that understates its size is stopped by libzstd itself at the declared size.
    """

    __slots__ = ("_checksum", "_level", "_local", "_zstd")
    content_encoding = "zstd"

    def __init__(self, *, level: object = _DEFAULT_LEVEL, checksum: object = True) -> None:
        level = as_int(level, codec="zstd", param="level", low=_MIN_LEVEL, high=_MAX_LEVEL)
        self._level = _DEFAULT_LEVEL if level == 0 else level  # 0 means "default" to libzstd
        self._checksum = as_bool(checksum, codec="zstd", param="checksum")
        self._zstd = _zstandard()
        self._local = _PerThread()

    @property
    def name(self) -> str:
        params: dict[str, object] = {}
        if self._level != _DEFAULT_LEVEL:
            params["level"] = self._level
        if not self._checksum:
            params["checksum"] = False
        return format_codec_spec("zstd", params)

    def _compressor(self) -> Any:
        local = self._local
        if local.compressor is None:
            local.compressor = self._zstd.ZstdCompressor(
                level=self._level, write_checksum=self._checksum, write_content_size=True
            )
        return local.compressor

    def _decompressor(self) -> Any:
        local = self._local
        if local.decompressor is None:
            local.decompressor = self._zstd.ZstdDecompressor()
        return local.decompressor

    def encode(self, data: bytes) -> bytes:
        out: bytes = self._compressor().compress(data)
        return out

    def decode(self, data: bytes, *, limit: int | None = None) -> bytes:
        limit = check_limit(limit)
        zstd = self._zstd
        try:
            declared: int = zstd.get_frame_parameters(data).content_size
        except zstd.ZstdError as exc:
            raise CodecError(f"zstd: not a zstd frame, or its header is damaged ({exc})") from exc
        if declared == zstd.CONTENTSIZE_ERROR:
            raise CodecError("zstd: the frame header is damaged")
        if limit is not None:
            if declared == zstd.CONTENTSIZE_UNKNOWN:
                self._count_output(data, limit)
            elif declared > limit:
                raise over_limit("zstd", limit)
            else:
                return self._decompress_sized(data)
        return self._decompress(data)

    def _decompress_sized(self, data: bytes) -> bytes:
        # One call that allocates the declared size, which the caller checked is within the
        # limit; libzstd fails rather than write more than the frame declares.
        try:
            out: bytes = self._decompressor().decompress(data, allow_extra_data=False)
        except self._zstd.ZstdError as exc:
            raise CodecError(f"zstd: corrupt or truncated data ({exc})") from exc
        return out

    def _count_output(self, data: bytes, limit: int) -> None:
        """Stream the first frame through fixed-size buffers; raise once output passes ``limit``."""
        total = 0
        try:
            for chunk in self._decompressor().read_to_iter(data):
                total += len(chunk)
                if total > limit:
                    raise over_limit("zstd", limit)
        except self._zstd.ZstdError as exc:
            raise CodecError(f"zstd: corrupt data ({exc})") from exc

    def _decompress(self, data: bytes) -> bytes:
        # decompressobj() writes into fixed-size chunks and never preallocates the declared
        # size (ZstdDecompressor.decompress() would, even for a 10-byte frame claiming 1 TB),
        # and libzstd refuses to write past the size a frame declares.
        inflater = self._decompressor().decompressobj()
        try:
            out: bytes = inflater.decompress(data)
        except self._zstd.ZstdError as exc:
            raise CodecError(f"zstd: corrupt data ({exc})") from exc
        if not inflater.eof:
            raise CodecError("zstd: truncated data (the frame does not end)")
        if inflater.unused_data:
            raise CodecError("zstd: unexpected bytes after the end of the frame")
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_zstd, (self._level, self._checksum))

    def __repr__(self) -> str:
        return f"ZstdTransform({self.name!r})"


def _make_zstd(level: int, checksum: bool) -> ZstdTransform:
    return ZstdTransform(level=level, checksum=checksum)
