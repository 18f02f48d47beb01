"""Unpickled copies of one provider share one SDK client per process; originals keep theirs."""

from __future__ import annotations

import pickle
from typing import Any

import pytest


@pytest.mark.parametrize(
    "factory", ["s3_moto_make_provider", "azurite_make_provider", "fake_gcs_make_provider"]
)
def test_copies_share_a_client(factory: str, request: pytest.FixtureRequest) -> None:
    original: Any = request.getfixturevalue(factory)()
    original.put("shared/a", b"1", mode="create")
    first, second = pickle.loads(pickle.dumps(original)), pickle.loads(pickle.dumps(original))
    got = first.get("shared/a")
    assert got is not None
    assert got.data == b"1"
    assert second.get("shared/a") is not None
    assert first._clients.peek() is second._clients.peek() is not None
    first.close()  # closing a copy leaves the shared client usable
    assert second.get("shared/a") is not None
    assert original.get("shared/a") is not None
    assert original._clients.peek() is not second._clients.peek()


@pytest.mark.parametrize(
    "factory", ["s3_moto_make_provider", "fake_gcs_make_provider", "azurite_make_provider"]
)
def test_mapping_sizes_the_pool_to_its_workers(
    factory: str, request: pytest.FixtureRequest
) -> None:
    from typed_cloudmap import CloudMapping

    provider: Any = request.getfixturevalue(factory)()
    CloudMapping(provider, max_workers=48, sync_initially=False)
    assert provider._clients.pool_size == 48
    CloudMapping(provider, max_workers=4, sync_initially=False)  # never shrinks
    assert provider._clients.pool_size == 48
