"""Limits fail with clear errors before any I/O; decompression bombs are refused cheaply.

A ``RecordingProvider`` around ``MemoryProvider`` proves "before any I/O": the error comes
with no provider call made. Bombs (1 GiB of zeros, zstd and zlib) are stored directly through
the provider, as a hostile writer would, and read through a mapping.
"""

from __future__ import annotations

import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Mapping

import pytest

from typed_cloudmap import CloudMapping, CodecError, MemoryProvider, ValueSizeError
from typed_cloudmap.testing import RecordingProvider

GIB = 1024**3
MIB = 1024**2


def counting(*, max_object_size: int = GIB, max_name_length: int = 1024) -> RecordingProvider:
    """A recorded ``MemoryProvider`` with its limits set by the test."""
    return RecordingProvider(
        MemoryProvider(), max_object_size=max_object_size, max_name_length=max_name_length
    )


def test_value_over_the_provider_limit_fails_before_io() -> None:
    provider = counting(max_object_size=1000)
    m = CloudMapping[str, bytes](provider, sync_initially=False)
    m["fits"] = b"x" * 1000
    provider.clear()
    with pytest.raises(ValueSizeError, match="1001 bytes") as info:
        m["big"] = b"x" * 1001
    assert info.value.key == "big"  # type: ignore[attr-defined]  # keyed errors carry .key
    assert provider.counts() == Counter()
    assert "big" not in m


def test_encoded_size_is_what_counts() -> None:
    """A value whose *encoded* form is over the limit is refused; compression can save it."""
    provider = counting(max_object_size=10_000)
    plain = CloudMapping[str, str](provider, codec="str", sync_initially=False)
    packed = CloudMapping[str, str](provider, codec="str|zstd", sync_initially=False)
    with pytest.raises(ValueSizeError):
        plain["a"] = "z" * 20_000
    assert provider.counts()["put"] == 0
    packed["a"] = "z" * 20_000
    assert provider.counts()["put"] == 1


@pytest.mark.parametrize(
    "provider_class",
    ["S3Provider", "AzureBlobProvider", "GCSProvider", "LocalProvider", "MemoryProvider"],
)
def test_key_too_long_for_the_provider_fails_before_io(provider_class: str) -> None:
    """Each shipped provider's name limit (bytes of UTF-8, prefix included) is enforced."""
    import typed_cloudmap.providers as providers

    limit: int = getattr(providers, provider_class).max_name_length
    provider = counting(max_name_length=limit)
    m = CloudMapping[str, bytes](provider, prefix="p/", sync_initially=False)
    fits = "a" * (limit - len("p/"))  # exactly at the limit, prefix included
    too_long = fits + "a"
    m[fits] = b"ok"
    provider.clear()
    for attempt in (
        lambda: m.__setitem__(too_long, b"no"),
        lambda: m.__getitem__(too_long),
        lambda: m.__delitem__(too_long),
        lambda: m.modify(too_long, lambda v: v, default=b""),
        lambda: m.setdefault(too_long, b""),
        lambda: too_long in m,
    ):
        with pytest.raises(ValueSizeError):
            attempt()
    assert provider.counts() == Counter()


def test_decoded_size_over_the_cap_is_a_codec_error() -> None:
    provider = MemoryProvider()
    CloudMapping[str, bytes](provider, codec="raw|zstd")["k"] = b"\0" * (2 * MIB)
    capped = CloudMapping[str, bytes](provider, codec="raw|zstd", max_decoded_size=MIB)
    with pytest.raises(CodecError, match="limit"):
        capped["k"]
    roomy = CloudMapping[str, bytes](provider, codec="raw|zstd", max_decoded_size=4 * MIB)
    assert len(roomy["k"]) == 2 * MIB


def test_max_decoded_size_is_validated() -> None:
    with pytest.raises((ValueError, TypeError)):
        CloudMapping[str, bytes](MemoryProvider(), codec="raw|zstd", max_decoded_size=-1)


# --- bombs: 1 GiB of zeros, compressed without ever holding the GiB ------------------------


def _zstd_bomb(*, declare_size: bool) -> bytes:
    import zstandard

    compressor = zstandard.ZstdCompressor(level=1, write_content_size=declare_size)
    chunk = b"\0" * (4 * MIB)
    stream = compressor.compressobj(size=GIB if declare_size else -1)
    parts = [stream.compress(chunk) for _ in range(GIB // len(chunk))]
    parts.append(stream.flush())
    return b"".join(parts)


def _zlib_bomb() -> bytes:
    stream = zlib.compressobj(1)
    chunk = b"\0" * (4 * MIB)
    parts = [stream.compress(chunk) for _ in range(GIB // len(chunk))]
    parts.append(stream.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bombs() -> Mapping[str, tuple[str, bytes]]:
    """name -> (codec stack, bytes that decode to 1 GiB of zeros)."""
    return {
        "zstd-sized": ("raw|zstd", _zstd_bomb(declare_size=True)),
        "zstd-unsized": ("raw|zstd", _zstd_bomb(declare_size=False)),
        "zlib": ("raw|zlib", _zlib_bomb()),
    }


@pytest.mark.parametrize("bomb", ["zstd-sized", "zstd-unsized", "zlib"])
def test_bomb_is_refused_quickly_with_little_memory(
    bomb: str, bombs: Mapping[str, tuple[str, bytes]]
) -> None:
    codec, data = bombs[bomb]
    assert len(data) < 8 * MIB  # zlib tops out near 1:1000, zstd far beyond
    provider = MemoryProvider()
    provider.put("bomb", data, metadata={"tcm_codec": codec})
    m = CloudMapping[str, bytes](provider, codec=codec, max_decoded_size=8 * MIB)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(CodecError, match="limit"):
            m["bomb"]
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 64 * MIB, f"peak {peak / MIB:.1f} MiB while refusing a {bomb} bomb"


def test_bomb_under_the_default_cap_is_refused_without_the_gib() -> None:
    """With the default cap (512 MiB) a declared-size zstd bomb is refused from its header."""
    provider = MemoryProvider()
    provider.put("bomb", _zstd_bomb(declare_size=True), metadata={"tcm_codec": "raw|zstd"})
    m = CloudMapping[str, bytes](provider, codec="raw|zstd")
    tracemalloc.start()
    try:
        with pytest.raises(CodecError, match="limit"):
            m["bomb"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB
