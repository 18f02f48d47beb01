"""Typing tests of the async providers: each one is an ``AsyncProvider`` to mypy --strict and
pyright, a sync provider is not (the ignore below would be reported unused if it were), and
the awaited results have the protocol's types. pytest runs the same code on memory."""

from __future__ import annotations

import asyncio

from typing_extensions import assert_type

from typed_cloudmap.providers import (
    AsyncLocalProvider,
    AsyncMemoryProvider,
    AsyncProvider,
    MemoryProvider,
    ObjectInfo,
    StoredObject,
    ensure_async_provider,
)
from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider
from typed_cloudmap.providers.async_gcs import AsyncGCSProvider
from typed_cloudmap.providers.async_s3 import AsyncS3Provider


def accepts(provider: AsyncProvider) -> AsyncProvider:
    return provider


def test_async_providers_satisfy_the_protocol() -> None:
    accepts(AsyncMemoryProvider())
    accepts(AsyncLocalProvider.__new__(AsyncLocalProvider))
    accepts(AsyncS3Provider("bucket", region_name="us-east-1"))
    accepts(AsyncGCSProvider("bucket", endpoint_url="http://127.0.0.1:1"))
    accepts(
        AsyncAzureBlobProvider(
            "container", connection_string="AccountName=a;AccountKey=a2V5;BlobEndpoint=http://x"
        )
    )
    accepts(MemoryProvider())  # type: ignore[arg-type]  # a sync provider is not an async one  # pyright: ignore[reportArgumentType]


def test_awaited_results_are_typed() -> None:
    async def main() -> None:
        provider = ensure_async_provider(AsyncMemoryProvider())
        assert_type(provider, AsyncProvider)
        etag = await provider.put("k", b"v", mode="create")
        assert_type(etag, str)
        got = await provider.get("k")
        assert_type(got, StoredObject | None)
        info = await provider.head("k")
        assert_type(info, ObjectInfo)
        async for listed in provider.list():
            assert_type(listed, ObjectInfo)
        await provider.delete("k", if_match=etag)
        await provider.close()

    asyncio.run(main())
