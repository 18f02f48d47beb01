"""On all six backends: an async provider and a sync one on the same store see each other's
objects, etags and conditions (what lets a sync and an async mapping share a store)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from async_backends import ASYNC_BACKENDS, async_twin
from backends import factory_for
from typed_cloudmap.errors import KeySyncError
from typed_cloudmap.providers import IfMatch


@pytest.mark.parametrize("backend", ASYNC_BACKENDS)
def test_sync_and_async_share_one_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    sync = factory_for(backend, request, tmp_path)()
    provider = async_twin(sync)

    async def main() -> None:
        etag = await provider.put("shared/a", b"from async", mode="create")
        got = sync.get("shared/a", if_match=etag)
        assert got is not None
        assert got.data == b"from async"
        etag2 = sync.put("shared/a", b"from sync", mode=IfMatch(etag))
        with pytest.raises(KeySyncError):
            await provider.put("shared/a", b"stale", mode=IfMatch(etag))
        assert await provider.get("shared/a", if_none_match=etag2) is None
        listed = [(o.name, o.etag) async for o in provider.list("shared/")]
        assert listed == [(o.name, o.etag) for o in sync.list("shared/")] == [("shared/a", etag2)]
        await provider.delete("shared/a", if_match=etag2)
        with pytest.raises(KeyError):
            sync.get("shared/a")
        await provider.close()

    asyncio.run(main())
    sync.close()
