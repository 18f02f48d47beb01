"""The conformance suite on the in-process reference provider."""

from __future__ import annotations

import pytest

from typed_cloudmap.providers._base import Provider
from typed_cloudmap.providers.memory import MemoryProvider
from typed_cloudmap.testing import ProviderConformance


class TestMemoryProvider(ProviderConformance):
    @pytest.fixture
    def provider(self) -> Provider:
        return MemoryProvider()


def test_instances_do_not_share_state() -> None:
    a, b = MemoryProvider(), MemoryProvider()
    a.put("k", b"v", mode="create")
    with pytest.raises(KeyError):
        b.get("k")
