"""Bulk get and set through the async mapping, the sync mapping and the raw async client.

``python benchmarks/bench_async_mapping.py [--keys N] [--latency S]`` starts moto_server and,
in a child process, the tests' fault proxy in front of it with every request delayed by
``--latency`` (20 ms: a cloud round trip), then times ``N`` 1 KB values (default 2,000):

- ``AsyncCloudMapping.get_many`` / ``set_many`` with ``max_concurrency`` 64 and 256;
- ``CloudMapping.get_many`` / ``set_many`` on 16 threads;
- raw aiobotocore with ``asyncio.gather`` (256 in flight): the ceiling.

Then, without the proxy, single put/get one at a time: the async mapping's client CPU per
op against raw aiobotocore's. Client CPU is this process's ``time.process_time()`` (moto and
the proxy run in other processes).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from _emulators import S3Endpoint, emulator  # noqa: E402  # needs the sys.path entries above

_PAYLOAD = os.urandom(1024)


def _serve_proxy(upstream: str, latency: float, urls: Any, stop: Any) -> None:
    from faults._proxy import running_proxy  # the tests' proxy: every request delayed

    with running_proxy(upstream, rate=1.0, modes=("delay",), delay=latency) as proxy:
        urls.put(proxy.url)
        stop.wait()


def _row(system: str, case: str, ops: int, cpu: float, wall: float) -> str:
    return (
        f"{system:<28} {case:<10} {ops / wall:>8.0f} ops/s"
        f" {cpu / ops * 1e3:>8.3f} ms CPU/op {wall:>7.2f} s"
    )


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    return time.process_time() - start[0], time.perf_counter() - start[1]


def _kwargs(endpoint: S3Endpoint, url: str) -> dict[str, Any]:
    return {
        "endpoint_url": url,
        "region_name": endpoint.region,
        "client_kwargs": endpoint.client_kwargs(),
    }


def _bucket(endpoint: S3Endpoint) -> str:
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint.url, region_name=endpoint.region, **endpoint.client_kwargs()
    )
    bucket = f"bench-amap-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return bucket


def bench_sync(endpoint: S3Endpoint, url: str, keys: list[str]) -> list[str]:
    from typed_cloudmap import CloudMapping
    from typed_cloudmap.providers.s3 import S3Provider

    provider = S3Provider(_bucket(endpoint), **_kwargs(endpoint, url), max_pool_connections=16)
    m = CloudMapping[str, bytes](provider, max_workers=16)
    start = _clock()
    m.set_many(dict.fromkeys(keys, _PAYLOAD))
    rows = [_row("CloudMapping (16 threads)", "set_many", len(keys), *_since(start))]
    start = _clock()
    assert len(m.get_many(keys)) == len(keys)
    rows.append(_row("CloudMapping (16 threads)", "get_many", len(keys), *_since(start)))
    m.close()
    return rows


async def bench_async(endpoint: S3Endpoint, url: str, keys: list[str], limit: int) -> list[str]:
    from typed_cloudmap import AsyncCloudMapping
    from typed_cloudmap.providers.async_s3 import AsyncS3Provider

    provider = AsyncS3Provider(
        _bucket(endpoint), **_kwargs(endpoint, url), max_pool_connections=limit
    )
    name = f"AsyncCloudMapping ({limit})"
    async with AsyncCloudMapping[str, bytes](provider, max_concurrency=limit) as m:
        start = _clock()
        await m.set_many(dict.fromkeys(keys, _PAYLOAD))
        rows = [_row(name, "set_many", len(keys), *_since(start))]
        start = _clock()
        assert len(await m.get_many(keys)) == len(keys)
        rows.append(_row(name, "get_many", len(keys), *_since(start)))
    return rows


async def _gather(limit: int, fn: Callable[[str], Awaitable[object]], keys: list[str]) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(key: str) -> None:
        async with gate:
            await fn(key)

    await asyncio.gather(*(one(k) for k in keys))


async def bench_raw(endpoint: S3Endpoint, url: str, keys: list[str], limit: int) -> list[str]:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    bucket = _bucket(endpoint)
    async with get_session().create_client(
        "s3",
        endpoint_url=url,
        region_name=endpoint.region,
        config=AioConfig(max_pool_connections=limit),
        **endpoint.client_kwargs(),
    ) as client:

        async def put(key: str) -> object:
            return await client.put_object(Bucket=bucket, Key=key, Body=_PAYLOAD)

        async def get(key: str) -> object:
            response = await client.get_object(Bucket=bucket, Key=key)
            async with response["Body"] as body:
                return await body.read()

        name = f"raw aiobotocore gather ({limit})"
        start = _clock()
        await _gather(limit, put, keys)
        rows = [_row(name, "put", len(keys), *_since(start))]
        start = _clock()
        await _gather(limit, get, keys)
        rows.append(_row(name, "get", len(keys), *_since(start)))
    return rows


async def bench_single(endpoint: S3Endpoint, ops: int) -> list[str]:
    """One at a time, no proxy: client CPU per op of the async mapping vs raw aiobotocore."""
    from aiobotocore.session import get_session

    from typed_cloudmap import AsyncCloudMapping
    from typed_cloudmap.providers.async_s3 import AsyncS3Provider

    keys = [f"s{i:05d}" for i in range(ops)]
    rows = []
    provider = AsyncS3Provider(_bucket(endpoint), **_kwargs(endpoint, endpoint.url))
    async with AsyncCloudMapping[str, bytes](provider) as m:
        await m.setitem("warm", _PAYLOAD)
        start = _clock()
        for k in keys:
            await m.setitem(k, _PAYLOAD)
        rows.append(_row("AsyncCloudMapping", "put x1", ops, *_since(start)))
        start = _clock()
        for k in keys:
            await m.getitem(k)
        rows.append(_row("AsyncCloudMapping", "get x1", ops, *_since(start)))
    bucket = _bucket(endpoint)
    async with get_session().create_client(
        "s3", endpoint_url=endpoint.url, region_name=endpoint.region, **endpoint.client_kwargs()
    ) as client:
        await client.put_object(Bucket=bucket, Key="warm", Body=_PAYLOAD)
        start = _clock()
        for k in keys:
            await client.put_object(Bucket=bucket, Key=k, Body=_PAYLOAD)
        rows.append(_row("raw aiobotocore", "put x1", ops, *_since(start)))
        start = _clock()
        for k in keys:
            response = await client.get_object(Bucket=bucket, Key=k)
            async with response["Body"] as body:
                await body.read()
        rows.append(_row("raw aiobotocore", "get x1", ops, *_since(start)))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=2000, help="1 KB values per bulk case")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument("--single", type=int, default=300, help="ops of the single-op cases")
    args = parser.parse_args(argv)
    keys = [f"k{i:05d}" for i in range(args.keys)]
    ctx = multiprocessing.get_context("spawn")
    with emulator("moto") as endpoint:
        urls, stop = ctx.Queue(), ctx.Event()
        proxy = ctx.Process(
            target=_serve_proxy, args=(endpoint.url, args.latency, urls, stop), daemon=True
        )
        proxy.start()
        try:
            url = urls.get(timeout=60)
            print(f"{args.keys} x 1 KB, {args.latency * 1e3:.0f} ms added to every request")
            rows = bench_sync(endpoint, url, keys)
            for limit in (64, 256):
                rows += asyncio.run(bench_async(endpoint, url, keys, limit))
            rows += asyncio.run(bench_raw(endpoint, url, keys, 256))
        finally:
            stop.set()
            proxy.join(10)
        print("\n".join(rows))
        print(f"\nsingle ops, one at a time, no added latency ({args.single} each)")
        print("\n".join(asyncio.run(bench_single(endpoint, args.single))))


if __name__ == "__main__":
    main()
