"""``transport="obstore"`` on the async providers, beyond the conformance suite.

The suite runs on both transports in ``test_async_s3.py`` and ``test_async_azure.py``; these
tests pin what only the obstore transport has: gets, heads, puts and listings take obstore's
async API (the blocking one and the aio SDK client are never used for them), deletes keep
their ``If-Match`` on the aio SDK path, names obstore would rewrite and multipart values take
the SDK, and the transport survives ``from_sync``, pickling and URLs. GCS refuses it.
"""

from __future__ import annotations

import asyncio
import pickle
from collections import Counter
from collections.abc import Callable
from typing import Any

import obstore
import pytest

from emulators._s3 import S3Endpoint, fresh_bucket
from emulators.azurite import Azurite
from typed_cloudmap import AsyncCloudMapping
from typed_cloudmap.errors import KeySyncError
from typed_cloudmap.providers import IfMatch, open_async_url
from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider
from typed_cloudmap.providers.async_gcs import AsyncGCSProvider
from typed_cloudmap.providers.async_s3 import AsyncS3Provider
from typed_cloudmap.providers.azure import AzureBlobProvider
from typed_cloudmap.providers.s3 import S3Provider

FACTORIES = ["s3_moto_obstore_make_provider", "azurite_obstore_make_provider"]
AsyncCloud = AsyncS3Provider | AsyncAzureBlobProvider
# Names another tool may store that obstore cannot parse in a listing. Azure has no blobs
# with "." or ".." segments (its URLs resolve them), so those are S3's alone.
ODD_NAMES = [
    *(("s3_moto_obstore_make_provider", n) for n in ("p/./c", "p/../e", "p/a//b", "p/d/")),
    *(("azurite_obstore_make_provider", n) for n in ("p/a//b", "p/d/")),
]


def _twin(sync: S3Provider | AzureBlobProvider) -> AsyncCloud:
    if isinstance(sync, S3Provider):
        return AsyncS3Provider.from_sync(sync)
    return AsyncAzureBlobProvider.from_sync(sync)


@pytest.fixture(params=FACTORIES)
def fast(request: pytest.FixtureRequest) -> AsyncCloud:
    """An async provider on obstore, on a fresh bucket or container (created by the sync
    provider, so the async one has nothing to create and opens no SDK client for it)."""
    make: Callable[[], Any] = request.getfixturevalue(request.param)
    return _twin(make())


@pytest.fixture
def obstore_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """obstore's async functions, counted as they are called (they still do the requests);
    its blocking ``get`` and ``put`` fail the test if called."""
    calls: Counter[str] = Counter()
    for name in ("get_async", "put_async"):
        real = getattr(obstore, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(obstore, name, counted)
    for name in ("get", "put"):

        def blocking(*args: Any, _name: str = name, **kwargs: Any) -> Any:
            raise AssertionError(f"obstore.{_name} (blocking) called on the event loop")

        monkeypatch.setattr(obstore, name, blocking)
    return calls


def test_requests_take_obstores_async_api(fast: AsyncCloud, obstore_calls: Counter[str]) -> None:
    """Gets (plain, 304), heads and puts (create, if-match) never open the aio SDK client; a
    stale conditional delete is refused by the server and leaves the object."""

    async def main() -> None:
        etag = await fast.put(
            "t/a", b"1", mode="create", metadata={"k": "v"}, content_type="text/x"
        )
        got = await fast.get("t/a")
        assert got is not None
        assert (got.data, got.etag, dict(got.metadata), got.content_type) == (
            b"1",
            etag,
            {"k": "v"},
            "text/x",
        )
        assert await fast.get("t/a", if_none_match=etag) is None
        assert (await fast.head("t/a")).metadata == {"k": "v"}
        new = await fast.put("t/a", b"2", mode=IfMatch(etag))
        with pytest.raises(KeySyncError):
            await fast.put("t/a", b"3", mode=IfMatch(etag))
        assert fast._client.peek() is None  # the aio SDK client was never opened
        assert obstore_calls == {"put_async": 3, "get_async": 3}

        with pytest.raises(KeySyncError):
            await fast.delete("t/a", if_match=etag)  # stale: If-Match held on the server
        assert fast._client.peek() is not None  # the conditional delete took the aio SDK
        assert [o.etag async for o in fast.list("t/")] == [new]
        still = await fast.get("t/a")
        assert still is not None
        assert (still.data, still.etag) == (b"2", new)
        await fast.delete("t/a", if_match=new)
        assert [o async for o in fast.list("t/")] == []
        await fast.close()

    asyncio.run(main())


@pytest.mark.parametrize(("factory", "name"), ODD_NAMES)
def test_a_name_obstore_refuses_does_not_break_the_listing(
    factory: str, name: str, request: pytest.FixtureRequest
) -> None:
    """One object another tool named so that obstore cannot parse it (obstore refuses the
    whole listing) must not make the store unlistable on this transport."""
    fast = _twin(request.getfixturevalue(factory)())

    async def main() -> None:
        await fast.put(name, b"x")
        await fast.put("p/z", b"y")
        assert sorted([o.name async for o in fast.list("p/")]) == sorted([name, "p/z"])
        await fast.close()

    asyncio.run(main())


@pytest.mark.parametrize("name", ["odd//name", "/leading", "trailing/"])
def test_names_obstore_would_rewrite_take_the_sdk_path(fast: AsyncCloud, name: str) -> None:
    async def main() -> None:
        etag = await fast.put(name, b"x", mode="create")
        got = await fast.get(name)
        assert got is not None
        assert (got.data, got.etag) == (b"x", etag)
        assert (await fast.head(name)).etag == etag
        with pytest.raises(KeySyncError):
            await fast.put(name, b"y", mode="create")
        assert fast._client.peek() is not None
        await fast.close()

    asyncio.run(main())


def test_store_serves_every_event_loop(fast: AsyncCloud) -> None:
    """obstore's store is bound to no loop: a new ``asyncio.run`` reuses it."""

    async def roundtrip(value: bytes) -> Any:
        await fast.put("k", value)
        got = await fast.get("k")
        assert got is not None
        assert got.data == value
        return fast._config._fast.store if fast._config._fast is not None else None

    first = asyncio.run(roundtrip(b"1"))
    assert asyncio.run(roundtrip(b"2")) is first is not None


def test_large_value_keeps_its_condition(s3_moto_server: S3Endpoint) -> None:
    """Over the multipart threshold the sync provider's conditional multipart upload runs."""
    sync = s3_moto_server.provider(
        fresh_bucket(), transport="obstore", multipart_threshold=8 * 1024**2
    )
    provider = AsyncS3Provider.from_sync(sync)
    big = bytes(range(256)) * (9 * 4096)  # 9 MiB

    async def main() -> None:
        etag = await provider.put("big", big, mode="create")
        with pytest.raises(KeySyncError):
            await provider.put("big", big, mode="create")
        got = await provider.get("big")
        assert got is not None
        assert (len(got.data), got.etag) == (len(big), etag)
        await provider.close()

    asyncio.run(main())


@pytest.mark.parametrize("factory", FACTORIES)
def test_from_sync_and_pickling_keep_the_transport(
    factory: str, request: pytest.FixtureRequest
) -> None:
    sync: Any = request.getfixturevalue(factory)()
    provider = _twin(sync)
    clone = pickle.loads(pickle.dumps(provider))
    assert provider.transport == clone.transport == sync.transport == "obstore"
    assert clone._config._fast is not None

    other = pickle.loads(pickle.dumps(provider))

    async def main() -> None:
        etag = await clone.put("p", b"1", mode="create")
        assert sync.get("p", if_match=etag) is not None
        assert (await other.get("p")) is not None
        assert clone._client.peek() is None
        stores = [p._config._fast._stores.peek() for p in (clone, other) if p._config._fast]
        assert stores[0] is stores[1] is not None  # one store per process for unpickled copies
        await clone.close()
        await other.close()

    asyncio.run(main())


def test_urls_keep_the_transport(
    s3_moto_server: S3Endpoint, azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3_moto_server.provider(fresh_bucket()).bucket
    container = azurite.provider().container
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    urls = [
        f"s3://{s3_moto_server.access_key}:{s3_moto_server.secret_key}@{bucket}/x/"
        f"?endpoint_url={s3_moto_server.url}&region_name=us-east-1&transport=obstore",
        f"az://{container}/x/?transport=obstore",
    ]

    async def main(url: str) -> None:
        # no initial sync: a listing takes the SDK path (see _obstore's module doc)
        async with AsyncCloudMapping[str, str](url, codec="str", sync_initially=False) as mapping:
            provider: Any = mapping.provider
            assert provider.transport == "obstore"
            await mapping.setitem("k", "v")
            assert await mapping.getitem("k") == "v"
            assert provider._client.peek() is None

    for url in urls:
        asyncio.run(main(url))
    plain = open_async_url(f"s3://{bucket}/?transport=sdk")[0]
    assert isinstance(plain, AsyncS3Provider)
    assert plain.transport == "sdk"


def test_gcs_refuses_obstore() -> None:
    with pytest.raises(ValueError, match="AsyncGCSProvider have no transport='obstore'"):
        AsyncGCSProvider("bucket", transport="obstore")
    with pytest.raises(ValueError, match="XML API"):
        open_async_url("gs://bucket/?transport=obstore")
