"""Every backend as an async provider, for the async tests: the twin of ``backends.py``.

``async_twin(provider)`` is an async provider on the same store as a sync one (same bucket,
directory or in-memory store), so a test can make both kinds from the one factory that
``backends.factory_for`` gives and check that they see each other's writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backends import ALL_BACKENDS, factory_for
from typed_cloudmap import LocalProvider, MemoryProvider, Provider
from typed_cloudmap.providers import AsyncLocalProvider, AsyncMemoryProvider, AsyncProvider

__all__ = ["ASYNC_BACKENDS", "AsyncProviderFactory", "async_factory_for", "async_twin"]

AsyncProviderFactory = Callable[[], AsyncProvider]
ASYNC_BACKENDS = ALL_BACKENDS


def async_twin(provider: Provider) -> AsyncProvider:
    """An async provider over the same objects as the sync ``provider``."""
    if isinstance(provider, MemoryProvider):
        return AsyncMemoryProvider(provider)
    if isinstance(provider, LocalProvider):
        return AsyncLocalProvider(provider)
    from typed_cloudmap.providers.azure import AzureBlobProvider
    from typed_cloudmap.providers.gcs import GCSProvider
    from typed_cloudmap.providers.s3 import S3Provider

    if isinstance(provider, S3Provider):
        from typed_cloudmap.providers.async_s3 import AsyncS3Provider

        return AsyncS3Provider.from_sync(provider)
    if isinstance(provider, AzureBlobProvider):
        from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider

        return AsyncAzureBlobProvider.from_sync(provider)
    if isinstance(provider, GCSProvider):
        from typed_cloudmap.providers.async_gcs import AsyncGCSProvider

        return AsyncGCSProvider.from_sync(provider)
    raise TypeError(f"no async twin for {provider!r}")


def async_factory_for(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncProviderFactory:
    """Each call: an async provider on a fresh, empty store of ``backend`` (created now)."""
    make = factory_for(backend, request, tmp_path)
    return lambda: async_twin(make())
