"""Cloud benchmarks: typed-cloudmap beside raw SDK calls and peer libraries, on emulators.

S3 (moto_server): raw boto3, raw obstore, typed-cloudmap, cloud-mappings 2.1.0 and s3fs
``FSMap`` on a 1 KB typed put and get, a bulk put and get (raw: a 16-thread pool), a sync of
a prefix (raw: a paginated ``list_objects_v2``), a repeated read of an unchanged ~1 MB value
with and without the read cache, and a large round trip's peak RSS (one fresh process per
system). Azure (Azurite) and GCS (fake-gcs-server): raw SDK, raw obstore (Azure) and
typed-cloudmap on the 1 KB put and get and a bulk get. Systems alternate round-robin within
each round; figures are medians of wall time and of this process's CPU time. HTTP requests
are counted through botocore's ``before-send`` event. Run through ``python -m benchmarks``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulators import EmulatorUnavailableError, S3Endpoint, run
from typed_cloudmap import CloudMapping

from ._counting import RequestCounter
from ._other_backends import Ops, azure_systems, gcs_systems
from ._payloads import ORDER, Catalogue, catalogue, order
from ._report import Report, Row
from ._s3_systems import SDK_SYSTEMS, SYSTEMS, S3System, raw_client
from ._timing import measure

__all__ = ["FULL", "QUICK", "Sizes", "main"]


@dataclass(frozen=True)
class Sizes:
    """How big and how long: the issue's sizes (``FULL``) or a smoke run (``QUICK``)."""

    rounds: int
    min_time: float
    bulk_keys: int
    sync_keys: int
    cached_bytes: int
    rss_megabytes: int


FULL = Sizes(
    rounds=15, min_time=0.2, bulk_keys=500, sync_keys=5000, cached_bytes=10**6, rss_megabytes=256
)
QUICK = Sizes(
    rounds=2, min_time=0.001, bulk_keys=8, sync_keys=30, cached_bytes=20_000, rss_megabytes=2
)


def _fill_sync_bucket(endpoint: S3Endpoint, keys: int) -> str:
    """A versioned bucket (cloud-mappings insists) of ``keys`` small objects under ``sync/``,
    each carrying the metadata cloud-mappings reads as its etag."""
    client = raw_client(endpoint)
    bucket = f"bench-sync-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    body = ORDER.dump_json(order())

    def put(i: int) -> None:
        meta = {"cloud-mappings-etag": uuid.uuid4().hex}
        client.put_object(Bucket=bucket, Key=f"sync/{i:06d}", Body=body, Metadata=meta)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(keys)))
    client.close()
    return bucket


def _measure(
    report: Report,
    case: str,
    systems: list[S3System],
    calls: dict[str, object],
    rounds: int,
    sizes: Sizes,
) -> None:
    """Race ``calls`` (system name -> zero-arg callable); count one call's requests each."""
    fns = {name: fn for name, fn in calls.items() if callable(fn)}
    times = measure(fns, rounds=rounds, min_time=sizes.min_time)
    counters = {s.name: s.counter for s in systems if s.counted}
    base = times[next(iter(times))]
    for name, fn in fns.items():
        counter = counters.get(name)
        requests = counter.measure(fn) if counter is not None else None
        ops = counter.last_text() if counter is not None else ""
        t = times[name]
        report.add(Row(case, name, t.wall, base.wall, requests, ops, t.cpu, base.cpu))


def s3(report: Report, endpoint: S3Endpoint, sizes: Sizes, *, sdk_only: bool = False) -> None:
    """Every S3 case; ``sdk_only``: single put/get and bulk get of the raw clients and
    typed-cloudmap only (no peers, bulk put, sync or cache)."""
    sync_bucket = _fill_sync_bucket(endpoint, 0 if sdk_only else sizes.sync_keys)
    systems: list[S3System] = []
    for cls in SDK_SYSTEMS if sdk_only else SYSTEMS:
        try:
            systems.append(cls(endpoint, sync_bucket))
        except ImportError as exc:
            report.note(f"{cls.name} not installed ({exc.name}); its rows are left out")
    value = order(1)
    items = {f"bulk/{i:05d}": order(i) for i in range(sizes.bulk_keys)}
    for s in systems:
        s.put("one", value)
        s.put_many(items)
    rounds, slow = sizes.rounds, max(2, sizes.rounds // 3)
    _measure(
        report,
        "put 1 KB typed",
        systems,
        {s.name: (lambda s=s: s.put("one", value)) for s in systems},
        rounds,
        sizes,
    )
    _measure(
        report,
        "get 1 KB typed",
        systems,
        {s.name: (lambda s=s: s.get("one")) for s in systems},
        rounds,
        sizes,
    )
    keys = list(items)
    if not sdk_only:
        _measure(
            report,
            f"bulk put {sizes.bulk_keys} keys",
            systems,
            {s.name: (lambda s=s: s.put_many(items)) for s in systems},
            slow,
            sizes,
        )
    _measure(
        report,
        f"bulk get {sizes.bulk_keys} keys",
        systems,
        {s.name: (lambda s=s: s.get_many(keys)) for s in systems},
        slow,
        sizes,
    )
    if sdk_only:
        for s in systems:
            report.bulk_notes[s.name] = s.bulk_note
            s.close()
        return
    for s in systems:
        if s.listing("sync/") != sizes.sync_keys:
            raise AssertionError(f"{s.name} listed the wrong number of keys")
    _measure(
        report,
        f"sync {sizes.sync_keys} keys",
        systems,
        {s.name: (lambda s=s: s.listing("sync/")) for s in systems},
        slow,
        sizes,
    )
    for s in systems:
        report.bulk_notes[s.name] = s.bulk_note
        s.close()
    _cached(report, endpoint, sizes)


def _cached(report: Report, endpoint: S3Endpoint, sizes: Sizes) -> None:
    """Repeated read of one unchanged ~1 MB typed value: raw, uncached, ``cache=True``.

    All three read the same object; the raw row is boto3 ``get_object`` + ``validate_json``.
    """
    big = catalogue(sizes.cached_bytes)
    provider = endpoint.provider(f"bench-cache-{uuid.uuid4().hex[:8]}", create=True)
    lib_counter = RequestCounter().attach(provider.client.meta.events)
    plain = CloudMapping[str, Catalogue](provider, sync_initially=False)
    cached = CloudMapping[str, Catalogue](provider, sync_initially=False, cache=True)
    plain["big"] = big
    cached.sync()
    client = raw_client(endpoint)
    raw_counter = RequestCounter().attach(client.meta.events)

    def raw_get() -> Catalogue:
        body = client.get_object(Bucket=provider.bucket, Key="big")["Body"].read()
        return Catalogue.model_validate_json(body)

    if not (raw_get() == plain["big"] == cached["big"] == big):
        raise AssertionError("the three readers disagree")
    size = client.head_object(Bucket=provider.bucket, Key="big")["ContentLength"]
    case = f"re-read unchanged {size / 1e6:.1f} MB typed"
    calls = {
        "raw boto3": raw_get,
        "typed-cloudmap (no cache)": lambda: plain["big"],
        "typed-cloudmap cache=True": lambda: cached["big"],
    }
    counters = {"raw boto3": raw_counter}
    times = measure(calls, rounds=sizes.rounds, min_time=sizes.min_time)
    base = times["raw boto3"]
    for name, fn in calls.items():
        counter = counters.get(name, lib_counter)
        requests = counter.measure(fn)
        t = times[name]
        report.add(
            Row(case, name, t.wall, base.wall, requests, counter.last_text(), t.cpu, base.cpu)
        )
    report.cached_ratio = (
        times["typed-cloudmap (no cache)"].wall / times["typed-cloudmap cache=True"].wall
    )
    plain.close()
    cached.close()
    client.close()


def rss(report: Report, endpoint: S3Endpoint, sizes: Sizes) -> None:
    """The large round trip in a fresh interpreter per system (peaks must not mix)."""
    root = str(Path(__file__).resolve().parents[1])  # where ``benchmarks`` imports from
    for system in ("raw boto3", "typed-cloudmap raw"):
        argv = [
            sys.executable,
            "-m",
            "benchmarks._rss",
            system,
            endpoint.url,
            endpoint.access_key,
            endpoint.secret_key,
            str(sizes.rss_megabytes),
        ]
        done = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=600, cwd=root
        )
        if done.returncode != 0:
            report.note(f"RSS run for {system} failed: {done.stderr.strip()[-500:]}")
            continue
        report.rss.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report.rss_megabytes = sizes.rss_megabytes


def _bulk_case(systems: dict[str, Ops], keys: int) -> tuple[list[str], dict[str, Any]]:
    """Fill every system with ``keys`` values; the bulk-get calls of each."""
    items = [(f"bulk/{i:05d}", order(i)) for i in range(keys)]
    names = [k for k, _ in items]
    for ops in systems.values():
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda kv, ops=ops: ops.put(*kv), items))
    return names, {name: (lambda ops=ops: ops.get_many(names)) for name, ops in systems.items()}


def other_backends(report: Report, sizes: Sizes) -> None:
    """Azure and GCS: 1 KB put and get and a bulk get, raw SDK first (the baseline)."""
    makers: list[tuple[str, str, Callable[[Any], tuple[dict[str, Ops], list[str]]]]] = [
        ("Azure (Azurite)", "azurite", azure_systems),
        ("GCS (fake-gcs-server)", "fake-gcs", gcs_systems),
    ]
    for label, name, make in makers:
        try:
            with run(name) as emu:
                systems, notes = make(emu)
                try:
                    for text in notes:
                        report.note(text)
                    _other_cases(report, label, systems, sizes)
                finally:
                    for ops in systems.values():
                        ops.close()
        except EmulatorUnavailableError as exc:
            report.note(f"{label} skipped: {exc}")


def _other_cases(report: Report, label: str, systems: dict[str, Ops], sizes: Sizes) -> None:
    value = order(1)
    for ops in systems.values():
        ops.put("one", value)
    _, bulk = _bulk_case(systems, sizes.bulk_keys)
    cases: list[tuple[str, dict[str, Any], int]] = [
        (
            "put 1 KB typed",
            {n: (lambda ops=ops: ops.put("one", value)) for n, ops in systems.items()},
            sizes.rounds,
        ),
        (
            "get 1 KB typed",
            {n: (lambda ops=ops: ops.get("one")) for n, ops in systems.items()},
            sizes.rounds,
        ),
        (f"bulk get {sizes.bulk_keys} keys", bulk, max(2, sizes.rounds // 3)),
    ]
    for case, calls, rounds in cases:
        times = measure(calls, rounds=rounds, min_time=sizes.min_time)
        base = times["raw SDK"]
        for system, t in times.items():
            report.add(
                Row(f"{label}: {case}", system, t.wall, base.wall, None, "", t.cpu, base.cpu)
            )


def main(report: Report, sizes: Sizes = FULL, *, sdk_only: bool = False) -> Report:
    """Run every cloud case into ``report`` (printing is the caller's job); ``sdk_only``
    keeps the raw-SDK comparison on the three clouds (no peers, sync, cache or RSS)."""
    with run("moto") as endpoint:
        s3(report, endpoint, sizes, sdk_only=sdk_only)
        if not sdk_only:
            rss(report, endpoint, sizes)
    other_backends(report, sizes)
    return report
