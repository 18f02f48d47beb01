"""Typing tests for ``typed_cloudmap.testing``: a RecordingProvider is a Provider."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from typing_extensions import assert_type

from typed_cloudmap import CloudMapping, MemoryProvider, Provider
from typed_cloudmap.testing import Call, DirectoryRaw, RawAccess, RecordingProvider


def test_recording_provider_is_a_provider(tmp_path: Path) -> None:
    recorded = RecordingProvider(MemoryProvider(), max_name_length=64)
    provider: Provider = recorded
    m = CloudMapping[str, int](provider, sync_initially=False)
    m["a"] = 1
    assert_type(recorded.counts(), Counter[str])
    assert_type(recorded.of("put"), list[Call])
    raw: RawAccess = DirectoryRaw(tmp_path)
    raw.write("x", b"1")
    assert raw.read("x") == b"1"
