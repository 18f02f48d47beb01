"""Which async S3 client: client CPU and wall time per request, against moto_server.

``python -m benchmarks.bench_async [--ops N] [--concurrency C]`` starts moto_server on a
loopback port and runs the same 1 KB put and get through each candidate:

- ``boto3`` (the sync client the sync provider uses: the baseline);
- ``aiobotocore`` (botocore's async twin; the candidate for ``AsyncS3Provider``);
- ``obstore`` (Rust ``object_store``'s async API), when it is installed (``bench`` extra);
- ``AsyncS3Provider`` (what was chosen: aiobotocore plus this library's conditions and
  error translation), so its overhead over the raw client shows;
- ``AsyncS3Provider(transport="obstore")`` (obstore's async API under the same provider), so
  its overhead over raw obstore shows;

first one request at a time (latency and CPU per request), then ``C`` at a time with
``asyncio.gather`` (what a bulk operation does). Client CPU is this process's
``time.process_time()``: the emulator runs in another process, so its work is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from emulators import S3Endpoint, run

_PAYLOAD = os.urandom(1024)


def _row(system: str, case: str, ops: int, cpu: float, wall: float) -> str:
    return (
        f"{system:<12} {case:<22} {cpu / ops * 1e3:>8.3f} ms CPU/op"
        f" {wall / ops * 1e3:>8.3f} ms wall/op {ops / wall:>9.0f} ops/s"
    )


def _sync_case(fn: Callable[[int], object], ops: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(ops):
        fn(i)
    return time.process_time() - cpu, time.perf_counter() - wall


async def _async_case(
    fn: Callable[[int], Awaitable[object]], ops: int, concurrency: int
) -> tuple[float, float]:
    limit = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with limit:
            await fn(i)

    cpu, wall = time.process_time(), time.perf_counter()
    if concurrency == 1:
        for i in range(ops):
            await fn(i)
    else:
        await asyncio.gather(*(one(i) for i in range(ops)))
    return time.process_time() - cpu, time.perf_counter() - wall


def _bucket(endpoint: S3Endpoint) -> tuple[Any, str]:
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint.url, region_name=endpoint.region, **endpoint.client_kwargs()
    )
    bucket = f"bench-async-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def bench_boto3(endpoint: S3Endpoint, ops: int) -> list[str]:
    client, bucket = _bucket(endpoint)
    client.put_object(Bucket=bucket, Key="warm", Body=_PAYLOAD)
    rows = []
    cpu, wall = _sync_case(
        lambda i: client.put_object(Bucket=bucket, Key=f"k{i}", Body=_PAYLOAD), ops
    )
    rows.append(_row("boto3", "put 1 KB, 1 at a time", ops, cpu, wall))
    cpu, wall = _sync_case(
        lambda i: client.get_object(Bucket=bucket, Key=f"k{i}")["Body"].read(), ops
    )
    rows.append(_row("boto3", "get 1 KB, 1 at a time", ops, cpu, wall))
    return rows


async def bench_aiobotocore(endpoint: S3Endpoint, ops: int, concurrency: int) -> list[str]:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    _, bucket = _bucket(endpoint)
    rows = []
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=endpoint.url,
                region_name=endpoint.region,
                config=AioConfig(max_pool_connections=concurrency),
                **endpoint.client_kwargs(),
            )
        )

        async def put(i: int) -> object:
            return await client.put_object(Bucket=bucket, Key=f"k{i}", Body=_PAYLOAD)

        async def get(i: int) -> object:
            response = await client.get_object(Bucket=bucket, Key=f"k{i}")
            async with response["Body"] as body:
                return await body.read()

        await put(-1)
        for c in (1, concurrency):
            cpu, wall = await _async_case(put, ops, c)
            rows.append(_row("aiobotocore", f"put 1 KB, {c} at a time", ops, cpu, wall))
            cpu, wall = await _async_case(get, ops, c)
            rows.append(_row("aiobotocore", f"get 1 KB, {c} at a time", ops, cpu, wall))
    return rows


async def bench_obstore(endpoint: S3Endpoint, ops: int, concurrency: int) -> list[str]:
    try:
        import obstore
        from obstore.store import S3Store
    except ImportError:
        return ["obstore      not installed (pip install obstore, or the bench extra)"]
    _, bucket = _bucket(endpoint)
    store = S3Store(
        bucket,
        endpoint=endpoint.url,
        region=endpoint.region,
        access_key_id=endpoint.access_key,
        secret_access_key=endpoint.secret_key,
        client_options={"allow_http": True, "pool_max_idle_per_host": str(concurrency)},
    )

    async def put(i: int) -> object:
        return await obstore.put_async(store, f"k{i}", _PAYLOAD)

    async def get(i: int) -> object:
        result = await obstore.get_async(store, f"k{i}")
        return await result.bytes_async()

    await put(-1)
    rows = []
    for c in (1, concurrency):
        cpu, wall = await _async_case(put, ops, c)
        rows.append(_row("obstore", f"put 1 KB, {c} at a time", ops, cpu, wall))
        cpu, wall = await _async_case(get, ops, c)
        rows.append(_row("obstore", f"get 1 KB, {c} at a time", ops, cpu, wall))
    return rows


async def bench_provider(
    endpoint: S3Endpoint, ops: int, concurrency: int, transport: str = "sdk"
) -> list[str]:
    from typed_cloudmap.providers.async_s3 import AsyncS3Provider

    _, bucket = _bucket(endpoint)
    provider = AsyncS3Provider(
        bucket,
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        client_kwargs=endpoint.client_kwargs(),
        max_pool_connections=concurrency,
        transport=transport,
    )
    system = "AsyncS3Prov." if transport == "sdk" else "AsyncS3+obs."

    async def put(i: int) -> object:
        return await provider.put(f"k{i}", _PAYLOAD)

    async def get(i: int) -> object:
        return await provider.get(f"k{i}")

    await put(-1)
    rows = []
    for c in (1, concurrency):
        cpu, wall = await _async_case(put, ops, c)
        rows.append(_row(system, f"put 1 KB, {c} at a time", ops, cpu, wall))
        cpu, wall = await _async_case(get, ops, c)
        rows.append(_row(system, f"get 1 KB, {c} at a time", ops, cpu, wall))
    await provider.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=500, help="requests per case")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    args = parser.parse_args(argv)
    with run("moto") as endpoint:
        rows = bench_boto3(endpoint, args.ops)
        rows += asyncio.run(bench_aiobotocore(endpoint, args.ops, args.concurrency))
        rows += asyncio.run(bench_obstore(endpoint, args.ops, args.concurrency))
        rows += asyncio.run(bench_provider(endpoint, args.ops, args.concurrency))
        rows += asyncio.run(bench_provider(endpoint, args.ops, args.concurrency, "obstore"))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
