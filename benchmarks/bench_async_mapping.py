"""Bulk get and set through the async mapping, the sync mapping and the raw async clients.

``python -m benchmarks.bench_async_mapping [--keys N] [--latency S] [--servers ...]`` starts
each S3 server (moto_server and SeaweedFS by default) and, in a child process, a proxy in
front of it that delays every request by ``--latency`` (20 ms: a cloud round trip; see
``_latency``). Then, on each transport (``sdk``: boto3 / aiobotocore; ``obstore``), it
times ``N`` 1 KB values (default 2,000):

- ``CloudMapping.set_many`` / ``get_many`` on 16 threads;
- ``AsyncCloudMapping.set_many`` / ``get_many`` with ``max_concurrency`` 64 and 256;
- the raw async client of the transport with ``asyncio.gather``, 256 in flight (aiobotocore
  ``put_object`` / ``get_object``, or obstore ``put_async`` / ``get_async``): the ceiling.
  Its puts are the request the mapping sends for a new key: create-only, with the same
  metadata (codec, schema fingerprint, write token) and content type.

Then, without the proxy, single puts and gets one at a time: the async mapping's client CPU
per op against the raw async client's. Client CPU is this process's ``time.process_time()``
(every thread: obstore's Rust runtime included); the servers and the proxy run in other
processes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulators import S3Endpoint
from emulators import run as emulator

from ._latency import latency_proxy

_PAYLOAD = os.urandom(1024)
_Found = tuple[str, str, int, float, float]
"""(system, case, ops, cpu seconds, wall seconds) of one timed case."""
THREADS = 16
LIMITS = (64, 256)
ROUNDS = 10


@dataclass(frozen=True)
class Row:
    server: str
    transport: str
    system: str
    case: str
    ops: int
    cpu: float
    wall: float

    @property
    def rate(self) -> float:
        return self.ops / self.wall

    def __str__(self) -> str:
        return (
            f"{self.system:<30} {self.case:<4} {self.rate:>8.0f} ops/s"
            f" {self.cpu / self.ops * 1e3:>8.3f} ms CPU/op {self.wall:>7.2f} s"
        )


class _Clock:
    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def since(self) -> tuple[float, float]:
        return time.process_time() - self.cpu, time.perf_counter() - self.wall


def _bucket(endpoint: S3Endpoint) -> str:
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint.url, region_name=endpoint.region, **endpoint.client_kwargs()
    )
    bucket = f"bench-amap-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return bucket


def _options(endpoint: S3Endpoint, url: str, transport: str, pool: int) -> dict[str, Any]:
    return {
        "endpoint_url": url,
        "region_name": endpoint.region,
        "client_kwargs": endpoint.client_kwargs(),
        "transport": transport,
        "max_pool_connections": pool,
    }


def bench_sync(endpoint: S3Endpoint, url: str, transport: str, keys: list[str]) -> list[_Found]:
    from typed_cloudmap import CloudMapping
    from typed_cloudmap.providers.s3 import S3Provider

    provider = S3Provider(_bucket(endpoint), **_options(endpoint, url, transport, THREADS))
    m = CloudMapping[str, bytes](provider, max_workers=THREADS)
    name = f"CloudMapping ({THREADS} threads)"
    clock = _Clock()
    m.set_many(dict.fromkeys(keys, _PAYLOAD))
    rows = [(name, "set", len(keys), *clock.since())]
    clock = _Clock()
    assert len(m.get_many(keys)) == len(keys)
    rows.append((name, "get", len(keys), *clock.since()))
    m.close()
    return rows


async def bench_async(
    endpoint: S3Endpoint, url: str, transport: str, keys: list[str], limit: int
) -> list[_Found]:
    from typed_cloudmap import AsyncCloudMapping
    from typed_cloudmap.providers.async_s3 import AsyncS3Provider

    provider = AsyncS3Provider(_bucket(endpoint), **_options(endpoint, url, transport, limit))
    name = f"AsyncCloudMapping ({limit})"
    async with AsyncCloudMapping[str, bytes](provider, max_concurrency=limit) as m:
        clock = _Clock()
        await m.set_many(dict.fromkeys(keys, _PAYLOAD))
        rows = [(name, "set", len(keys), *clock.since())]
        clock = _Clock()
        assert len(await m.get_many(keys)) == len(keys)
        rows.append((name, "get", len(keys), *clock.since()))
    return rows


async def _gather(limit: int, fn: Callable[[str], Awaitable[object]], keys: list[str]) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(key: str) -> None:
        async with gate:
            await fn(key)

    await asyncio.gather(*(one(k) for k in keys))


def _metadata() -> dict[str, str]:
    """What the mapping stores with a ``bytes`` value (codec, schema, a fresh write token):
    the raw rows send the same create-only request with it, so a ratio measures our code."""
    return {
        "tcm_codec": "raw",
        "tcm_schema": "277089d91c0bdf4f",
        "tcm_token": uuid.uuid4().hex[:16],
    }


class _RawAiobotocore:
    """aiobotocore's ``put_object`` / ``get_object``, as a user would call them."""

    name = "raw aiobotocore"

    def __init__(self, endpoint: S3Endpoint, url: str, pool: int) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        self.bucket = _bucket(endpoint)
        self._cm = get_session().create_client(
            "s3",
            endpoint_url=url,
            region_name=endpoint.region,
            config=AioConfig(max_pool_connections=pool),
            **endpoint.client_kwargs(),
        )

    async def __aenter__(self) -> _RawAiobotocore:
        self._client = await self._cm.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._cm.__aexit__(None, None, None)

    async def put(self, key: str) -> object:
        return await self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=_PAYLOAD,
            IfNoneMatch="*",
            Metadata=_metadata(),
            ContentType="application/octet-stream",
        )

    async def get(self, key: str) -> bytes:
        response = await self._client.get_object(Bucket=self.bucket, Key=key)
        async with response["Body"] as body:
            data: bytes = await body.read()
            return data


class _RawObstore:
    """obstore's ``put_async`` / ``get_async`` on an ``S3Store``."""

    name = "raw obstore"

    def __init__(self, endpoint: S3Endpoint, url: str, pool: int) -> None:
        from obstore.store import S3Store

        self.bucket = _bucket(endpoint)
        self._store = S3Store(
            self.bucket,
            endpoint=url,
            region=endpoint.region,
            access_key_id=endpoint.access_key,
            secret_access_key=endpoint.secret_key,
            client_options={"allow_http": True, "pool_max_idle_per_host": str(pool)},
        )

    async def __aenter__(self) -> _RawObstore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    async def put(self, key: str) -> object:
        import obstore

        attributes = {**_metadata(), "Content-Type": "application/octet-stream"}
        return await obstore.put_async(
            self._store, key, _PAYLOAD, mode="create", attributes=attributes
        )

    async def get(self, key: str) -> bytes:
        import obstore

        result = await obstore.get_async(self._store, key)
        return (await result.bytes_async()).to_bytes()


_RAW = {"sdk": _RawAiobotocore, "obstore": _RawObstore}


async def bench_raw(
    endpoint: S3Endpoint, url: str, transport: str, keys: list[str], limit: int
) -> list[_Found]:
    async with _RAW[transport](endpoint, url, limit) as raw:
        name = f"{raw.name} gather ({limit})"
        clock = _Clock()
        await _gather(limit, raw.put, keys)
        rows = [(name, "set", len(keys), *clock.since())]
        clock = _Clock()
        await _gather(limit, raw.get, keys)
        rows.append((name, "get", len(keys), *clock.since()))
    return rows


async def bench_single(endpoint: S3Endpoint, transport: str, ops: int) -> list[_Found]:
    """One at a time, no proxy: client CPU per op of the async mapping vs the raw client.

    The two systems alternate in rounds of ``ops / ROUNDS`` calls (garbage collector off);
    each row is the median round, scaled to ``ops``, so drift of a shared machine lands on
    both alike."""
    from typed_cloudmap import AsyncCloudMapping
    from typed_cloudmap.providers.async_s3 import AsyncS3Provider

    per_round = max(1, ops // ROUNDS)
    keys = iter(f"s{i:06d}" for i in range(ROUNDS * per_round * 2))
    options = _options(endpoint, endpoint.url, transport, 10)
    provider = AsyncS3Provider(_bucket(endpoint), **options)
    async with (
        AsyncCloudMapping[str, bytes](provider) as m,
        _RAW[transport](endpoint, endpoint.url, 10) as raw,
    ):
        systems: dict[str, tuple[Callable[[str], Awaitable[object]], ...]] = {
            "AsyncCloudMapping x1": (lambda k: m.setitem(k, _PAYLOAD), m.getitem),
            f"{raw.name} x1": (raw.put, raw.get),
        }
        samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for put, get in systems.values():
            await put("warm")
            await get("warm")
        gc.collect()
        gc.disable()
        try:
            for _ in range(ROUNDS):
                for name, (put, get) in systems.items():
                    written = [next(keys) for _ in range(per_round)]
                    for case, fn, args in (("set", put, written), ("get", get, written)):
                        clock = _Clock()
                        for k in args:
                            await fn(k)
                        samples.setdefault((name, case), []).append(clock.since())
        finally:
            gc.enable()
    rows: list[_Found] = []
    for (name, case), timed in samples.items():
        cpu = statistics.median(c for c, _ in timed) * ops / per_round
        wall = statistics.median(w for _, w in timed) * ops / per_round
        rows.append((name, case, ops, cpu, wall))
    return rows


def _find(rows: list[Row], like: Row, prefix: str) -> Row | None:
    """The row of the same server, transport and case whose system starts with ``prefix``."""
    for row in rows:
        same = (row.server, row.transport, row.case) == (like.server, like.transport, like.case)
        if same and row.system.startswith(prefix):
            return row
    return None


def _on_sdk(row: Row) -> Row:
    return Row(row.server, "sdk", row.system, row.case, row.ops, row.cpu, row.wall)


def _cpu(row: Row) -> float:
    return row.cpu / row.ops


def _ratios(rows: list[Row]) -> list[str]:
    """The issue's targets: async (256) vs the sync mapping, and vs the raw async client."""
    out = []
    for r in rows:
        where = f"{r.server}/{r.transport} {r.case}"
        if r.system == f"AsyncCloudMapping ({LIMITS[-1]})":
            parts = [f"{where}: async {LIMITS[-1]}"]
            sync = _find(rows, r, "CloudMapping (")
            if sync is not None:
                parts.append(f"{r.rate / sync.rate:.2f}x the sync mapping (target >= 3)")
            default = _find([x for x in rows if x.transport == "sdk"], _on_sdk(r), "CloudMapping (")
            if r.transport != "sdk" and default is not None:
                parts.append(f"{r.rate / default.rate:.2f}x the sync mapping on sdk (the default)")
            raw = _find(rows, r, "raw ")
            if raw is not None and "gather" in raw.system:
                parts.append(f"{r.rate / raw.rate:.2f}x {raw.system} (target >= 0.9)")
            out.append(", ".join(parts))
        elif r.system == "AsyncCloudMapping x1":
            single = [x for x in rows if x.system.endswith(" x1") and x is not r]
            raw = _find(single, r, "raw ")
            if raw is not None:
                out.append(
                    f"{where} single: CPU/op {_cpu(r) * 1e3:.3f} ms"
                    f" = {_cpu(r) / _cpu(raw):.2f}x {raw.system} (target <= 1.10)"
                )
    return out


def run_server(server: str, args: argparse.Namespace, keys: list[str]) -> list[Row]:
    rows: list[Row] = []

    def add(transport: str, found: list[_Found]) -> None:
        for found_row in found:
            row = Row(server, transport, *found_row)
            rows.append(row)
            print(f"  {row}", flush=True)

    with emulator(server) as endpoint, latency_proxy(endpoint.url, args.latency) as url:
        for transport in args.transports:
            print(
                f"{server}, transport={transport}: {len(keys)} x 1 KB,"
                f" {args.latency * 1e3:.0f} ms added to every request",
                flush=True,
            )
            add(transport, bench_sync(endpoint, url, transport, keys))
            for limit in LIMITS:
                add(transport, asyncio.run(bench_async(endpoint, url, transport, keys, limit)))
            add(transport, asyncio.run(bench_raw(endpoint, url, transport, keys, LIMITS[-1])))
        for transport in args.transports:
            print(f"{server}, transport={transport}: single ops, no added latency", flush=True)
            add(transport, asyncio.run(bench_single(endpoint, transport, args.single)))
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keys", type=int, default=2000, help="1 KB values per bulk case")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument("--single", type=int, default=300, help="ops of the single-op cases")
    parser.add_argument("--servers", default="moto,seaweedfs", help="S3 servers, comma-separated")
    parser.add_argument("--transports", default="sdk,obstore", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.keys, args.single = 40, 10
    args.transports = args.transports.split(",")
    keys = [f"k{i:05d}" for i in range(args.keys)]
    rows: list[Row] = []
    for server in args.servers.split(","):
        rows += run_server(server, args, keys)
    print("\nratios")
    for line in _ratios(rows):
        print(f"  {line}")
    return rows


if __name__ == "__main__":
    main()
