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
    original.put("shared/a", b"1", create_only=True)
    first, second = pickle.loads(pickle.dumps(original)), pickle.loads(pickle.dumps(original))
    got = first.get("shared/a")
    assert got is not None
    assert got.data == b"1"
    assert second.get("shared/a") is not None
    live = {"s3": "_client", "az": "_container_client", "gs": "_connection"}[
        original.name.split(":")[0]
    ]
    assert getattr(first, live) is getattr(second, live)
    first.close()  # closing a copy leaves the shared client usable
    assert second.get("shared/a") is not None
    assert original.get("shared/a") is not None
    assert getattr(original, live) is not getattr(second, live)


@pytest.mark.parametrize(
    ("factory", "attribute"),
    [
        ("s3_moto_make_provider", "_max_pool_connections"),
        ("fake_gcs_make_provider", "_max_pool_connections"),
        ("azurite_make_provider", "_config"),
    ],
)
def test_mapping_sizes_the_pool_to_its_workers(
    factory: str, attribute: str, request: pytest.FixtureRequest
) -> None:
    from typed_cloudmap import CloudMapping

    provider: Any = request.getfixturevalue(factory)()
    CloudMapping(provider, max_workers=48, sync_initially=False)
    size = getattr(provider, attribute)
    assert (size["max_connections"] if isinstance(size, dict) else size) == 48
    CloudMapping(provider, max_workers=4, sync_initially=False)  # never shrinks
    size = getattr(provider, attribute)
    assert (size["max_connections"] if isinstance(size, dict) else size) == 48
