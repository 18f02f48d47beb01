"""Every backend the mapping-level tests run on, as a picklable provider factory.

``memory`` and ``local`` need nothing; the cloud backends come from the emulator plugins in
``tests/emulators`` (each exposes a session fixture returning a zero-argument factory that
makes a provider on a fresh bucket or container).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from typed_cloudmap import LocalProvider, MemoryProvider, Provider

ProviderFactory = Callable[[], Provider]

# backend id -> the emulator plugin's factory fixture
CLOUD_FIXTURES = {
    "s3-moto": "s3_moto_make_provider",
    "s3-moto-obstore": "s3_moto_obstore_make_provider",
    "s3-seaweedfs": "s3_seaweedfs_make_provider",
    "azure-azurite": "azurite_make_provider",
    "azure-azurite-obstore": "azurite_obstore_make_provider",
    "gcs-fake": "fake_gcs_make_provider",
}
ALL_BACKENDS = ["memory", "local", *CLOUD_FIXTURES]
SHARED_BACKENDS = ["local", *CLOUD_FIXTURES]  # a second process sees the same objects


def factory_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> ProviderFactory:
    if backend == "memory":
        return MemoryProvider
    if backend == "local":
        counter = iter(range(1_000_000))
        return lambda: LocalProvider(tmp_path / f"store-{next(counter)}")
    factory: ProviderFactory = request.getfixturevalue(CLOUD_FIXTURES[backend])
    return factory
