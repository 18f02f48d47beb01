"""The ``zstd`` transform: Zstandard compression (stored with no ``Content-Encoding``).

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

__all__ = ["ZstdTransform", "train_zstd_dictionary"]

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

    __slots__ = ("_checksum", "_dict", "_dict_name", "_level", "_local", "_zstd")
    # Not "zstd": urllib3 decodes that itself when a zstd module is importable (Python 3.14,
    # backports.zstd), so SDK default downloads would not return the stored bytes.
    content_encoding = None

    def __init__(
        self,
        *,
        level: object = _DEFAULT_LEVEL,
        checksum: object = True,
        dict: object = None,  # the public parameter name, as in "zstd:dict=NAME"
    ) -> None:
        level = as_int(level, codec="zstd", param="level", low=_MIN_LEVEL, high=_MAX_LEVEL)
        if level == 0:  # libzstd reads 0 as "default": not a level of its own
            raise CodecError(
                f"codec 'zstd': level must be from 1 to {_MAX_LEVEL}, or negative, got 0"
            )
        self._level = level
        self._checksum = as_bool(checksum, codec="zstd", param="checksum")
        if dict is not None and (not isinstance(dict, str) or not dict.isidentifier()):
            raise CodecError("zstd: dict= takes a dictionary name made of letters, digits and _")
        self._dict_name: str | None = dict
        self._dict: Any = None
        self._zstd = _zstandard()
        self._local = _PerThread()

    @property
    def name(self) -> str:
        params: dict[str, object] = {}
        if self._level != _DEFAULT_LEVEL:
            params["level"] = self._level
        if not self._checksum:
            params["checksum"] = False
        if self._dict_name is not None:
            params["dict"] = self._dict_name
        return format_codec_spec("zstd", params)

    @property
    def dictionary_name(self) -> str | None:
        """The trained dictionary this codec compresses with (``zstd:dict=NAME``), if any."""
        return self._dict_name

    @property
    def dictionary_loaded(self) -> bool:
        return self._dict is not None

    def with_dictionary(self, raw: bytes) -> ZstdTransform:
        """A copy of this codec that compresses with the trained dictionary ``raw``."""
        bound = ZstdTransform(level=self._level, checksum=self._checksum, dict=self._dict_name)
        try:
            bound._dict = self._zstd.ZstdCompressionDict(raw)
            bound._dict.precompute_compress(level=self._level)
        except self._zstd.ZstdError as exc:
            raise CodecError(f"zstd: dictionary {self._dict_name!r} is damaged ({exc})") from exc
        return bound

    def _need_dict(self) -> dict[str, Any]:
        if self._dict_name is None:
            return {}
        if self._dict is None:
            raise CodecError(
                f"zstd: dictionary {self._dict_name!r} is not loaded; train it with "
                "CloudMapping.train_dictionary(samples) or open the mapping on the store that "
                "holds it"
            )
        return {"dict_data": self._dict}

    def _compressor(self) -> Any:
        local = self._local
        if local.compressor is None:
            local.compressor = self._zstd.ZstdCompressor(
                level=self._level,
                write_checksum=self._checksum,
                write_content_size=True,
                **self._need_dict(),
            )
        return local.compressor

    def _decompressor(self) -> Any:
        local = self._local
        if local.decompressor is None:
            local.decompressor = self._zstd.ZstdDecompressor(**self._need_dict())
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
        raw = None if self._dict is None else self._dict.as_bytes()
        return (_make_zstd, (self._level, self._checksum, self._dict_name, raw))

    def __repr__(self) -> str:
        return f"ZstdTransform({self.name!r})"


def _make_zstd(
    level: int, checksum: bool, dict_name: str | None = None, raw: bytes | None = None
) -> ZstdTransform:
    codec = ZstdTransform(level=level, checksum=checksum, dict=dict_name)
    return codec if raw is None else codec.with_dictionary(raw)


def train_zstd_dictionary(samples: list[bytes], size: int = 16 * 1024) -> bytes:
    """Train a Zstandard dictionary of at most ``size`` bytes from serialized samples.

    Many small values of one shape compress far better with a shared dictionary.
    """
    zstd = _zstandard()
    if len(samples) < 8:
        raise CodecError("zstd: training a dictionary needs at least 8 samples")
    try:
        trained = zstd.train_dictionary(size, samples)
    except zstd.ZstdError as exc:
        raise CodecError(f"zstd: could not train a dictionary ({exc})") from exc
    out: bytes = trained.as_bytes()
    return out
