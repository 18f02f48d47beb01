"""The async conformance suite on the in-process and local-directory async providers, the
sync/async provider checks, and the URL scheme -> async provider lookup."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from typed_cloudmap.errors import KeySyncError
from typed_cloudmap.providers import (
    AsyncLocalProvider,
    AsyncMemoryProvider,
    AsyncProvider,
    IfMatch,
    LocalProvider,
    MemoryProvider,
    _registry,
    async_provider_class,
    ensure_async_provider,
    ensure_sync_provider,
    open_async_url,
    register_provider,
)
from typed_cloudmap.testing import AsyncProviderConformance


class TestAsyncMemory(AsyncProviderConformance):
    @pytest.fixture
    def provider(self) -> AsyncProvider:
        return AsyncMemoryProvider()


class TestAsyncLocal(AsyncProviderConformance):
    @pytest.fixture
    def provider(self, tmp_path: Path) -> AsyncProvider:
        return AsyncLocalProvider(tmp_path / "store")


# --- a sync and an async provider on one store ------------------------------------------------


@pytest.mark.asyncio
async def test_memory_store_shared_with_sync_provider() -> None:
    sync = MemoryProvider()
    provider = AsyncMemoryProvider(sync)
    etag = await provider.put("a", b"1", mode="create")
    got = sync.get("a")
    assert got is not None
    assert got.etag == etag
    sync.put("a", b"2", mode=IfMatch(etag))
    with pytest.raises(KeySyncError):
        await provider.put("a", b"3", mode=IfMatch(etag))


@pytest.mark.asyncio
async def test_local_directory_shared_with_sync_provider(tmp_path: Path) -> None:
    sync = LocalProvider(tmp_path)
    provider = AsyncLocalProvider(tmp_path)
    etag = sync.put("a", b"1", mode="create")
    got = await provider.get("a", if_match=etag)
    assert got is not None
    assert got.data == b"1"
    assert AsyncLocalProvider(sync).sync is sync
    with pytest.raises(TypeError):
        AsyncLocalProvider(sync, fsync=False)


@pytest.mark.asyncio
async def test_local_io_runs_off_the_event_loop(tmp_path: Path) -> None:
    """While a put waits for its file lock, the loop keeps running other tasks."""
    provider = AsyncLocalProvider(tmp_path)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(provider.put(f"k{i}", b"x" * 10_000) for i in range(20)))
    task.cancel()
    assert ticks > 0
    assert len([o async for o in provider.list()]) == 20


@pytest.mark.asyncio
async def test_local_listing_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typed_cloudmap.providers import _async_threaded

    monkeypatch.setattr(_async_threaded, "_LIST_PAGE", 3)
    provider = AsyncLocalProvider(tmp_path)
    for i in range(7):
        await provider.put(f"k{i}", b"x")
    assert [o.name async for o in provider.list()] == [f"k{i}" for i in range(7)]


# --- the wrong kind of provider ----------------------------------------------------------------


def test_sync_provider_refused_where_async_is_expected(tmp_path: Path) -> None:
    for sync in (MemoryProvider(), LocalProvider(tmp_path)):
        with pytest.raises(
            TypeError, match="is a synchronous provider; an async mapping needs an async one"
        ):
            ensure_async_provider(sync)
    with pytest.raises(TypeError, match="expected an async provider"):
        ensure_async_provider(object())
    provider = AsyncMemoryProvider()
    assert ensure_async_provider(provider) is provider


def test_async_provider_refused_where_sync_is_expected(tmp_path: Path) -> None:
    for provider in (AsyncMemoryProvider(), AsyncLocalProvider(tmp_path)):
        with pytest.raises(TypeError, match="is an async provider; use AsyncCloudMapping"):
            ensure_sync_provider(provider)
    with pytest.raises(TypeError, match="expected a provider"):
        ensure_sync_provider("s3://bucket")
    sync = MemoryProvider()
    assert ensure_sync_provider(sync) is sync


# --- URL scheme -> async provider -----------------------------------------------------------


def test_async_url_lookup(tmp_path: Path) -> None:
    provider, prefix, options = open_async_url("memory://shared-async/users/?codec=orjson")
    assert isinstance(provider, AsyncMemoryProvider)
    assert (prefix, options) == ("users/", {"codec": "orjson"})
    sync, _, _ = _registry.open_url("memory://shared-async/")
    assert provider.store is sync  # one named store for sync and async mappings
    local, prefix, _ = open_async_url(f"file://{tmp_path}/d?fsync=false")
    assert isinstance(local, AsyncLocalProvider)
    assert (local.root, prefix) == (str(tmp_path / "d"), "")
    for scheme, cls in {
        "s3": "AsyncS3Provider",
        "az": "AsyncAzureBlobProvider",
        "gs": "AsyncGCSProvider",
    }.items():
        assert async_provider_class(scheme).__name__ == cls
    with pytest.raises(ValueError, match="no async provider for URL scheme 'ftp'"):
        open_async_url("ftp://host/x")


def test_registered_async_provider_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_registry.PROVIDERS, "registered", {})
    monkeypatch.setattr(_registry.PROVIDERS, "loaded", {})
    register_provider("memory", MemoryProvider, replace=True)  # sync: the async twin is used
    assert async_provider_class("memory") is AsyncMemoryProvider

    class Custom(AsyncMemoryProvider):
        pass

    register_provider("custom", Custom)
    assert async_provider_class("custom") is Custom


def _race_in_process(root: str, worker: int) -> int:
    """Four tasks of one process race a create-only put; returns how many won."""

    async def main() -> int:
        provider = AsyncLocalProvider(root)

        async def attempt(task: int) -> bool:
            try:
                await provider.put("race", f"{worker}-{task}".encode(), mode="create")
            except KeySyncError:
                return False
            return True

        return sum(await asyncio.gather(*(attempt(t) for t in range(4))))

    return asyncio.run(main())


def test_create_only_race_across_processes_has_one_winner(tmp_path: Path) -> None:
    """The cross-process lock is kept: 3 processes x 4 tasks, one winner, its value stored."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for round_ in range(3):
        root = str(tmp_path / f"r{round_}")
        LocalProvider(root)
        with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("fork")) as pool:
            wins = list(pool.map(_race_in_process, [root] * 3, range(3)))
        assert sum(wins) == 1
        got = LocalProvider(root).get("race")
        assert got is not None
        assert got.data.decode().split("-")[0] == str(wins.index(1))
