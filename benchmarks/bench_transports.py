"""The two transports side by side: raw boto3, raw obstore, typed-cloudmap on each transport.

On moto_server (S3) and Azurite (Azure): a 1 KB typed put and get (wall time and client CPU
per op: ``time.process_time`` of this process, every thread included, so obstore's Rust
runtime threads count), and a bulk put and get of 500 values (raw systems: a 16-thread pool;
typed-cloudmap: ``set_many`` / ``get_many`` with its 16 workers). Systems alternate within
each round; figures are medians over rounds. Raw systems encode with bare pydantic, as in
``bench_cloud``, so a ratio measures the storage path.

    python benchmarks/bench_transports.py            # 15 rounds x 20 ops, bulk 500 x 5 rounds
    python benchmarks/bench_transports.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import obstore
from obstore.store import AzureStore, S3Store

from emulators import run as emulator
from typed_cloudmap import CloudMapping
from typed_cloudmap.providers.azure import AzureBlobProvider

from ._payloads import ORDER, Order, order
from ._s3_systems import raw_client

THREADS = 16
Op = Callable[[], object]


def race(cases: dict[str, Op], rounds: int, ops: int) -> dict[str, tuple[float, float]]:
    """(wall, cpu) seconds per op of each case: ``rounds`` alternated rounds of ``ops`` calls,
    medians per case (garbage collector off while timing, as in ``timeit``)."""
    for fn in cases.values():
        fn()  # warm: clients, connections, first-call imports
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in cases.items():
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(ops):
                    fn()
                samples[name].append(
                    ((time.perf_counter() - wall) / ops, (time.process_time() - cpu) / ops)
                )
    finally:
        gc.enable()
    return {
        name: (statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
        for name, s in samples.items()
    }


def _table(title: str, figures: dict[str, tuple[float, float]], baseline: str) -> None:
    print(f"\n{title}")
    print(f"{'system':<28}{'wall/op':>12}{'cpu/op':>12}{'speed vs ' + baseline:>22}")
    base = figures[baseline][0]
    for name, (wall, cpu) in figures.items():
        print(f"{name:<28}{wall * 1e3:>9.2f} ms{cpu * 1e3:>9.2f} ms{base / wall:>21.2f}x")


# --- S3 ---------------------------------------------------------------------------------------


def s3_cases(
    endpoint: Any, bulk_keys: int = 500
) -> tuple[dict[str, Op], dict[str, Op], dict[str, Op], dict[str, Op]]:
    value = order()
    body = ORDER.dump_json(value)
    keys = [f"bulk/{i:04d}" for i in range(bulk_keys)]
    boto = raw_client(endpoint)
    boto_bucket = f"bench-raw-{uuid.uuid4().hex[:8]}"
    boto.create_bucket(Bucket=boto_bucket)
    store_bucket = f"bench-obs-{uuid.uuid4().hex[:8]}"
    boto.create_bucket(Bucket=store_bucket)
    store = S3Store(
        store_bucket,
        endpoint=endpoint.url,
        region=endpoint.region,
        access_key_id=endpoint.access_key,
        secret_access_key=endpoint.secret_key,
        client_options={"allow_http": True, "pool_max_idle_per_host": str(THREADS)},
    )
    typed = {
        transport: CloudMapping[str, Order](
            endpoint.provider(f"bench-{transport}-{uuid.uuid4().hex[:8]}", transport=transport)
        )
        for transport in ("sdk", "obstore")
    }
    pool = ThreadPoolExecutor(THREADS)

    def boto_put(key: str = "one") -> None:
        boto.put_object(Bucket=boto_bucket, Key=key, Body=body)

    def boto_get(key: str = "one") -> Order:
        return ORDER.validate_json(boto.get_object(Bucket=boto_bucket, Key=key)["Body"].read())

    def obs_put(key: str = "one") -> None:
        obstore.put(store, key, body)

    def obs_get(key: str = "one") -> Order:
        return ORDER.validate_json(obstore.get(store, key).bytes().to_bytes())

    def typed_put(m: CloudMapping[str, Order]) -> Op:
        return lambda: m.__setitem__("one", value)

    def typed_get(m: CloudMapping[str, Order]) -> Op:
        return lambda: m["one"]

    puts = {
        "raw boto3": boto_put,
        "raw obstore": obs_put,
        "typed-cloudmap sdk": typed_put(typed["sdk"]),
        "typed-cloudmap obstore": typed_put(typed["obstore"]),
    }
    gets = {
        "raw boto3": boto_get,
        "raw obstore": obs_get,
        "typed-cloudmap sdk": typed_get(typed["sdk"]),
        "typed-cloudmap obstore": typed_get(typed["obstore"]),
    }
    batch = dict.fromkeys(keys, value)
    bulk_puts = {
        "raw boto3 (16 threads)": lambda: list(pool.map(boto_put, keys)),
        "raw obstore (16 threads)": lambda: list(pool.map(obs_put, keys)),
        "typed-cloudmap sdk": lambda: typed["sdk"].set_many(batch),
        "typed-cloudmap obstore": lambda: typed["obstore"].set_many(batch),
    }
    bulk_gets = {
        "raw boto3 (16 threads)": lambda: list(pool.map(boto_get, keys)),
        "raw obstore (16 threads)": lambda: list(pool.map(obs_get, keys)),
        "typed-cloudmap sdk": lambda: typed["sdk"].get_many(keys),
        "typed-cloudmap obstore": lambda: typed["obstore"].get_many(keys),
    }
    return puts, gets, bulk_puts, bulk_gets


# --- Azure ------------------------------------------------------------------------------------


def azure_cases(azurite: Any) -> tuple[dict[str, Op], dict[str, Op]]:
    from azure.storage.blob import ContainerClient

    value = order()
    body = ORDER.dump_json(value)
    raw = ContainerClient.from_connection_string(
        azurite.connection_string, f"bench-raw-{uuid.uuid4().hex[:8]}"
    )
    raw.create_container()
    fast_container = AzureBlobProvider(
        f"bench-obs-{uuid.uuid4().hex[:8]}",
        connection_string=azurite.connection_string,
        create=True,
    )
    from emulators.azurite import ACCOUNT, ACCOUNT_KEY

    store = AzureStore(
        fast_container.container,
        account_name=ACCOUNT,
        account_key=ACCOUNT_KEY,
        endpoint=azurite.endpoint,
        client_options={"allow_http": True},
    )
    typed = {t: CloudMapping[str, Order](azurite.provider(transport=t)) for t in ("sdk", "obstore")}
    blob = raw.get_blob_client("one")
    puts = {
        "raw azure-storage-blob": lambda: blob.upload_blob(body, overwrite=True),
        "raw obstore": lambda: obstore.put(store, "one", body),
        "typed-cloudmap sdk": lambda: typed["sdk"].__setitem__("one", value),
        "typed-cloudmap obstore": lambda: typed["obstore"].__setitem__("one", value),
    }
    gets = {
        "raw azure-storage-blob": lambda: ORDER.validate_json(blob.download_blob().readall()),
        "raw obstore": lambda: ORDER.validate_json(obstore.get(store, "one").bytes().to_bytes()),
        "typed-cloudmap sdk": lambda: typed["sdk"]["one"],
        "typed-cloudmap obstore": lambda: typed["obstore"]["one"],
    }
    return puts, gets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two short rounds: a smoke run")
    args = parser.parse_args(argv)
    rounds, ops, bulk_rounds, bulk_keys = (2, 2, 1, 8) if args.quick else (15, 20, 5, 500)
    with emulator("moto") as endpoint:
        puts, gets, bulk_puts, bulk_gets = s3_cases(endpoint, bulk_keys)
        _table("S3 (moto): 1 KB typed put", race(puts, rounds, ops), "raw boto3")
        _table("S3 (moto): 1 KB typed get", race(gets, rounds, ops), "raw boto3")
        _table(
            f"S3 (moto): bulk put of {bulk_keys} (per batch)",
            race(bulk_puts, bulk_rounds, 1),
            "typed-cloudmap sdk",
        )
        _table(
            f"S3 (moto): bulk get of {bulk_keys} (per batch)",
            race(bulk_gets, bulk_rounds, 1),
            "typed-cloudmap sdk",
        )
    with emulator("azurite") as azurite:
        az_puts, az_gets = azure_cases(azurite)
        _table("Azure (Azurite): 1 KB typed put", race(az_puts, rounds, ops), "typed-cloudmap sdk")
        _table("Azure (Azurite): 1 KB typed get", race(az_gets, rounds, ops), "typed-cloudmap sdk")


if __name__ == "__main__":
    main()
