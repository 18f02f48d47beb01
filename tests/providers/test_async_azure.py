"""AsyncAzureBlobProvider (azure.storage.blob.aio) against Azurite."""

from __future__ import annotations

import pickle
import uuid

import pytest

from emulators.azurite import Azurite
from typed_cloudmap.errors import KeySyncError, ProviderError, ValueSizeError
from typed_cloudmap.providers import AsyncProvider, IfMatch
from typed_cloudmap.providers._transports import Transport
from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider
from typed_cloudmap.testing import AsyncProviderConformance


def _provider(
    azurite: Azurite, container: str | None = None, transport: Transport = "sdk"
) -> AsyncAzureBlobProvider:
    return AsyncAzureBlobProvider(
        container or f"tcm-{uuid.uuid4().hex[:20]}",
        connection_string=azurite.connection_string,
        create=container is None,
        transport=transport,
    )


class TestAsyncAzureOnAzurite(AsyncProviderConformance):
    @pytest.fixture
    def provider(self, azurite: Azurite) -> AsyncProvider:
        return _provider(azurite)


class TestAsyncAzureObstoreOnAzurite(AsyncProviderConformance):
    """The same suite on ``transport="obstore"`` (deletes on the aio SDK)."""

    @pytest.fixture
    def provider(self, azurite: Azurite) -> AsyncProvider:
        return _provider(azurite, transport="obstore")


@pytest.mark.asyncio
async def test_sync_and_async_providers_see_each_other(azurite: Azurite) -> None:
    provider = _provider(azurite)
    etag = await provider.put("k", b"async", mode="create")
    sync = azurite.provider(provider.container)
    got = sync.get("k", if_match=etag)
    assert got is not None
    assert got.data == b"async"
    sync.put("k", b"sync", mode=IfMatch(etag))
    with pytest.raises(KeySyncError):
        await provider.put("k", b"lost", mode=IfMatch(etag))
    await provider.close()


@pytest.mark.asyncio
async def test_limits_and_missing_container(azurite: Azurite) -> None:
    provider = _provider(azurite, container=f"tcm-missing-{uuid.uuid4().hex[:8]}")
    provider.max_object_size = 8
    with pytest.raises(ValueSizeError):
        await provider.put("big", b"123456789")
    with pytest.raises(TypeError, match="create_only"):  # the old contradictory keywords
        await provider.put("k", b"x", create_only=True, if_match='"e"')  # type: ignore[call-arg]
    with pytest.raises(ProviderError, match="ContainerNotFound"):
        await provider.put("k", b"x")
    await provider.close()


def test_pickled_copy_keeps_settings(azurite: Azurite) -> None:
    provider = _provider(azurite)
    clone = pickle.loads(pickle.dumps(provider))
    assert (clone.name, repr(clone)) == (provider.name, repr(provider))
