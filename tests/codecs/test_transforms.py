"""Transforms: round trips, names, corrupt input, decompression bombs, thread safety."""

from __future__ import annotations

import os
import pickle
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import zstandard

from typed_cloudmap.codecs import Transform, ZstdTransform, get_codec
from typed_cloudmap.errors import CodecError

GIB = 1 << 30
MIB = 1 << 20
LIMIT = 16 * MIB


def transform(spec: str) -> Transform:
    codec = get_codec(spec)
    assert isinstance(codec, Transform)
    return codec


SPECS = [
    "zlib",
    "zlib:level=1",
    "zlib:level=9",
    "zstd",
    "zstd:level=1",
    "zstd:level=19",
    "zstd:level=-5",
]
PAYLOADS = [b"", b"x", os.urandom(1000), b'{"a":1}' * 5000]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{len(p)}B")
def test_round_trip(spec: str, payload: bytes) -> None:
    codec = transform(spec)
    encoded = codec.encode(payload)
    assert codec.decode(encoded) == payload
    assert codec.decode(encoded, limit=len(payload)) == payload


@pytest.mark.parametrize("spec", ["zlib", "zstd"])
def test_limit_is_exclusive_of_one_more_byte(spec: str) -> None:
    codec = transform(spec)
    encoded = codec.encode(b"a" * 1000)
    assert codec.decode(encoded, limit=1000) == b"a" * 1000
    with pytest.raises(CodecError, match="limit"):
        codec.decode(encoded, limit=999)
    with pytest.raises(CodecError, match="limit"):
        codec.decode(codec.encode(b"a"), limit=0)
    assert codec.decode(codec.encode(b""), limit=0) == b""


@pytest.mark.parametrize("spec", ["zlib", "zstd", "hmac:key=k-0123456789abcdef"])
@pytest.mark.parametrize("limit", [-1, 1.5, True])
def test_bad_limit_is_a_value_error(spec: str, limit: object) -> None:
    codec = transform(spec)
    with pytest.raises(ValueError, match="limit"):
        codec.decode(codec.encode(b"x"), limit=limit)  # type: ignore[arg-type]  # on purpose


def test_names_and_content_encodings() -> None:
    assert transform("zlib").name == "zlib"
    assert transform("zlib:level=9").name == "zlib:level=9"
    assert transform("zlib").content_encoding is None  # see test_default_downloads.py
    assert transform("zstd").name == "zstd"
    assert transform("zstd:level=9,checksum=false").name == "zstd:level=9,checksum=false"
    assert transform("zstd").content_encoding is None


@pytest.mark.parametrize(
    "spec", ["zlib:level=-1", "zlib:level=10", "zstd:level=0", "zstd:level=23"]
)
def test_levels_outside_the_documented_ranges_are_refused(spec: str) -> None:
    with pytest.raises(CodecError, match="level"):
        transform(spec)


def test_zlib_output_is_standard_deflate() -> None:
    assert zlib.decompress(transform("zlib").encode(b"hello" * 10)) == b"hello" * 10
    assert transform("zlib").decode(zlib.compress(b"abc")) == b"abc"


def test_zstd_output_is_a_standard_frame_with_size_and_checksum() -> None:
    frame = transform("zstd").encode(b"hello" * 10)
    params = zstandard.get_frame_parameters(frame)
    assert params.content_size == 50
    assert params.has_checksum
    assert zstandard.ZstdDecompressor().decompress(frame) == b"hello" * 10


def _flip(data: bytes, at: int) -> bytes:
    damaged = bytearray(data)
    damaged[at] ^= 0x55
    return bytes(damaged)


@pytest.mark.parametrize("spec", ["zlib", "zstd", "zstd:checksum=false"])
@pytest.mark.parametrize("limit", [None, MIB])
def test_corrupt_and_truncated_input_raise_codec_error(spec: str, limit: int | None) -> None:
    codec = transform(spec)
    payload = os.urandom(500) + b"abc" * 2000
    encoded = codec.encode(payload)
    damaged = [
        b"",
        b"garbage that is not compressed",
        encoded[: len(encoded) // 2],
        encoded[:-1],
        encoded + b"trailing",
        encoded + encoded,
        _flip(encoded, len(encoded) - 2),  # checksum (zlib adler32 / zstd xxhash) or data
    ]
    for bad in damaged:
        try:
            out = codec.decode(bad, limit=limit)
        except CodecError:
            continue
        # Without a content checksum a flipped bit may decode to other bytes; never silently
        # to the original payload with the wrong framing.
        assert spec == "zstd:checksum=false"
        assert bad == damaged[-1]
        assert out != payload


def test_zstd_frame_without_declared_size_is_checked_too() -> None:
    writer = zstandard.ZstdCompressor(write_content_size=False).compressobj()
    frame = writer.compress(b"abc" * 1000) + writer.flush()
    assert zstandard.get_frame_parameters(frame).content_size == zstandard.CONTENTSIZE_UNKNOWN
    codec = transform("zstd")
    assert codec.decode(frame, limit=3000) == b"abc" * 1000
    assert codec.decode(frame) == b"abc" * 1000
    with pytest.raises(CodecError, match="limit"):
        codec.decode(frame, limit=2999)
    with pytest.raises(CodecError):
        codec.decode(frame[:-2], limit=3000)


# --- decompression bombs: 1 GiB of zeros --------------------------------------------------


def _zlib_zeros(size: int) -> bytes:
    """A valid zlib stream of ``size`` zeros (a multiple of 1 MiB), from one repeated block.

    After a full flush the deflater's state is reset, so every further 1 MiB block of zeros
    compresses to the same bytes; only the final adler32 has to be computed.
    """
    chunk = bytes(MIB)
    deflater = zlib.compressobj(9)
    head = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.flush()[:-4]  # the final empty block, without the (wrong) adler32
    adler = 1
    for _ in range(size // MIB):
        adler = zlib.adler32(chunk, adler)
    return head + block * (size // MIB - 1) + end + struct.pack(">I", adler)


@pytest.fixture(scope="module")
def zlib_bomb() -> bytes:
    """1 GiB of zeros as a ~1 MB zlib stream."""
    return _zlib_zeros(GIB)


def _zstd_bomb(*, declare_size: bool) -> bytes:
    compressor = zstandard.ZstdCompressor(level=1, write_content_size=declare_size)
    writer = compressor.compressobj(size=GIB) if declare_size else compressor.compressobj()
    chunk = bytes(MIB)
    return b"".join([*(writer.compress(chunk) for _ in range(GIB // MIB)), writer.flush()])


@pytest.fixture(scope="module")
def zstd_bomb() -> bytes:
    """1 GiB of zeros in one frame that declares its size."""
    return _zstd_bomb(declare_size=True)


@pytest.fixture(scope="module")
def zstd_bomb_unsized() -> bytes:
    """1 GiB of zeros in one frame that does not declare its size."""
    return _zstd_bomb(declare_size=False)


@pytest.fixture(scope="module")
def zstd_bomb_lying() -> bytes:
    """1 GiB of zeros in a frame whose header claims 1000 bytes."""
    bomb = _zstd_bomb(declare_size=True)
    header = 4 + 1 + 1  # magic, frame header descriptor, window descriptor
    assert bomb[4] & 0xC0 == 0x80  # a 4-byte content-size field follows
    return bomb[:header] + struct.pack("<I", 1000) + bomb[header + 4 :]


def _refused_cheaply(decode: Callable[[], object]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(CodecError):
            decode()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 5.0
    assert peak < LIMIT + 8 * MIB


def test_zlib_bomb_refused(zlib_bomb: bytes) -> None:
    _refused_cheaply(lambda: transform("zlib").decode(zlib_bomb, limit=LIMIT))


def test_zstd_bomb_refused(zstd_bomb: bytes) -> None:
    _refused_cheaply(lambda: transform("zstd").decode(zstd_bomb, limit=LIMIT))


def test_zstd_unsized_bomb_refused(zstd_bomb_unsized: bytes) -> None:
    _refused_cheaply(lambda: transform("zstd").decode(zstd_bomb_unsized, limit=LIMIT))


@pytest.mark.parametrize("limit", [None, LIMIT])
def test_zstd_lying_header_refused(zstd_bomb_lying: bytes, limit: int | None) -> None:
    # Even without a limit, libzstd stops at the declared 1000 bytes instead of writing 1 GiB.
    _refused_cheaply(lambda: transform("zstd").decode(zstd_bomb_lying, limit=limit))


def test_zstd_huge_declared_size_is_not_preallocated(zstd_bomb: bytes) -> None:
    # Without a limit the declared 1 GiB must not be allocated up front for a cut-off frame.
    _refused_cheaply(lambda: transform("zstd").decode(zstd_bomb[:100]))


def test_the_zlib_bomb_is_real(zlib_bomb: bytes) -> None:
    assert zlib.decompress(_zlib_zeros(8 * MIB)) == bytes(8 * MIB)  # the construction is sound
    inflater = zlib.decompressobj()
    assert inflater.decompress(zlib_bomb, 64 * MIB) == bytes(64 * MIB)


# --- threads and pickling ----------------------------------------------------------------


def test_zstd_codec_is_thread_safe() -> None:
    codec = transform("zstd:level=3")
    payloads = [os.urandom(64) * (i % 50 + 1) + str(i).encode() for i in range(400)]
    compressors: set[int] = set()
    lock = threading.Lock()

    def work(payload: bytes) -> bool:
        encoded = codec.encode(payload)
        with lock:
            compressors.add(id(codec._compressor()))  # type: ignore[attr-defined]  # private peek
        return codec.decode(encoded, limit=len(payload)) == payload

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, payloads))
    assert len(compressors) > 1  # each thread had its own compressor


@pytest.mark.parametrize("spec", ["zlib:level=9", "zstd:level=7,checksum=false"])
def test_transforms_pickle(spec: str) -> None:
    codec = transform(spec)
    codec.encode(b"warm up the per-thread objects")
    again = pickle.loads(pickle.dumps(codec))
    assert again.name == codec.name
    assert again.decode(codec.encode(b"abc")) == b"abc"
    assert isinstance(transform("zstd"), ZstdTransform)
