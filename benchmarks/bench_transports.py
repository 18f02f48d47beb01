"""The two transports side by side: raw boto3, raw obstore, typed-cloudmap on each transport.

On two S3 servers (moto_server, SeaweedFS) and Azurite (Azure): a 1 KB typed put and get
(wall time and client CPU per op: ``time.process_time`` of this process, every thread
included, so obstore's Rust runtime threads count), and a bulk put and get of 500 values (raw
systems: a 16-thread pool; typed-cloudmap: ``set_many`` / ``get_many`` with its 16 workers).
Systems alternate within each round; figures are medians over rounds. Raw systems encode and
validate with bare pydantic per op, as in ``bench_cloud``, so a ratio measures the storage path.

Two raw obstore rows separate what the protocol costs from what the library's Python costs:
``raw obstore`` is a plain ``obstore.put``; ``raw obstore if-match+attrs`` sends what a typed
put sends (an ``If-Match`` put of the last etag, with the same user metadata, content type and
sizes: codec, schema fingerprint, a write token and a full token history), with fixed values
(no token generated per put: that is the library's work). The typed rows are compared with
both (``speed`` and ``cpu`` columns: this row against that one).

    python -m benchmarks.bench_transports            # 15 rounds x 20 ops, bulk 500 x 5 rounds
    python -m benchmarks.bench_transports --quick    # a smoke run
    python -m benchmarks.bench_transports --s3 seaweedfs --no-azure
    python -m benchmarks.bench_transports --s3 ""    # Azure only
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


def _table(
    title: str,
    figures: dict[str, tuple[float, float]],
    baseline: str,
    against: tuple[str, ...] = (),
) -> None:
    """One table: wall and CPU per op, speed against ``baseline``, and for the typed rows
    speed and CPU against each row named in ``against`` (``speed`` > 1: faster than it;
    ``cpu`` > 1: more client CPU than it)."""
    print(f"\n{title}")
    head = f"{'system':<30}{'wall/op':>11}{'cpu/op':>11}  {'speed vs ' + baseline:>28}"
    for ref in against:
        head += f"  | vs {ref}: speed   cpu"
    print(head)
    base = figures[baseline][0]
    for name, (wall, cpu) in figures.items():
        line = f"{name:<30}{wall * 1e3:>8.2f} ms{cpu * 1e3:>8.2f} ms{base / wall:>29.2f}x"
        if name.startswith("typed-cloudmap"):
            for ref in against:
                ref_wall, ref_cpu = figures[ref]
                pad = " " * (len(ref) + 6)
                line += f"  | {pad}{ref_wall / wall:>5.2f}x {cpu / ref_cpu:>5.2f}x"
        print(line)


# --- S3 ---------------------------------------------------------------------------------------


RAW_OBSTORE = "raw obstore"
RAW_CONDITIONAL = "raw obstore if-match+attrs"


def typed_attributes() -> dict[str, str]:
    """What a typed put of ``Order`` sends beside the bytes, with sizes as stored (a codec
    name, a 16-digit schema fingerprint and token, a history of eight tokens)."""
    token = "0123456789abcdef"
    return {
        "tcm_codec": "orjson",
        "tcm_schema": token,
        "tcm_token": token,
        "tcm_prior": " ".join([token] * 8),
        "Content-Type": "application/json",
    }


def s3_cases(
    endpoint: Any, bulk_keys: int = 500
) -> tuple[dict[str, Op], dict[str, Op], dict[str, Op], dict[str, Op]]:
    value = order()
    attributes: Any = typed_attributes()  # obstore's Attributes: a TypedDict of these keys
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
        boto.put_object(Bucket=boto_bucket, Key=key, Body=ORDER.dump_json(value))

    def boto_get(key: str = "one") -> Order:
        return ORDER.validate_json(boto.get_object(Bucket=boto_bucket, Key=key)["Body"].read())

    def obs_put(key: str = "one") -> None:
        obstore.put(store, key, ORDER.dump_json(value))

    last = {"etag": str(obstore.put(store, "cond", b"{}")["e_tag"])}

    def obs_conditional_put() -> None:
        mode: Any = {"e_tag": last["etag"]}  # obstore's UpdateVersion
        result = obstore.put(
            store, "cond", ORDER.dump_json(value), attributes=attributes, mode=mode,
            use_multipart=False,
        )  # fmt: skip
        last["etag"] = str(result["e_tag"])

    def obs_get(key: str = "one") -> Order:
        return ORDER.validate_json(obstore.get(store, key).bytes().to_bytes())

    def typed_put(m: CloudMapping[str, Order]) -> Op:
        return lambda: m.__setitem__("one", value)

    def typed_get(m: CloudMapping[str, Order]) -> Op:
        return lambda: m["one"]

    puts = {
        "raw boto3": boto_put,
        RAW_OBSTORE: obs_put,
        RAW_CONDITIONAL: obs_conditional_put,
        "typed-cloudmap sdk": typed_put(typed["sdk"]),
        "typed-cloudmap obstore": typed_put(typed["obstore"]),
    }
    gets = {
        "raw boto3": boto_get,
        RAW_OBSTORE: obs_get,
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
        "raw azure-storage-blob": lambda: blob.upload_blob(ORDER.dump_json(value), overwrite=True),
        RAW_OBSTORE: lambda: obstore.put(store, "one", ORDER.dump_json(value)),
        "typed-cloudmap sdk": lambda: typed["sdk"].__setitem__("one", value),
        "typed-cloudmap obstore": lambda: typed["obstore"].__setitem__("one", value),
    }
    gets = {
        "raw azure-storage-blob": lambda: ORDER.validate_json(blob.download_blob().readall()),
        RAW_OBSTORE: lambda: ORDER.validate_json(obstore.get(store, "one").bytes().to_bytes()),
        "typed-cloudmap sdk": lambda: typed["sdk"]["one"],
        "typed-cloudmap obstore": lambda: typed["obstore"]["one"],
    }
    return puts, gets


S3_SERVERS = ("moto", "seaweedfs")


def s3_tables(server: str, rounds: int, ops: int, bulk_rounds: int, bulk_keys: int) -> None:
    """The four S3 tables against one server (``moto`` or ``seaweedfs``)."""
    label = f"S3 ({server})"
    with emulator(server) as endpoint:
        puts, gets, bulk_puts, bulk_gets = s3_cases(endpoint, bulk_keys)
        _table(
            f"{label}: 1 KB typed put",
            race(puts, rounds, ops),
            "raw boto3",
            (RAW_OBSTORE, RAW_CONDITIONAL),
        )
        _table(f"{label}: 1 KB typed get", race(gets, rounds, ops), "raw boto3", (RAW_OBSTORE,))
        _table(
            f"{label}: bulk put of {bulk_keys} (per batch)",
            race(bulk_puts, bulk_rounds, 1),
            "typed-cloudmap sdk",
        )
        _table(
            f"{label}: bulk get of {bulk_keys} (per batch)",
            race(bulk_gets, bulk_rounds, 1),
            "typed-cloudmap sdk",
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two short rounds: a smoke run")
    parser.add_argument(
        "--s3",
        default=",".join(S3_SERVERS),
        help=f"comma-separated S3 servers to run against (default: {','.join(S3_SERVERS)})",
    )
    parser.add_argument("--no-azure", action="store_true", help="skip the Azurite tables")
    args = parser.parse_args(argv)
    rounds, ops, bulk_rounds, bulk_keys = (2, 2, 1, 8) if args.quick else (15, 20, 5, 500)
    for server in filter(None, args.s3.split(",")):  # --s3 "": the Azure tables only
        if server not in S3_SERVERS:
            parser.error(f"--s3 takes {', '.join(S3_SERVERS)}, not {server!r}")
        s3_tables(server, rounds, ops, bulk_rounds, bulk_keys)
    if args.no_azure:
        return
    with emulator("azurite") as azurite:
        az_puts, az_gets = azure_cases(azurite)
        _table("Azure (Azurite): 1 KB typed put", race(az_puts, rounds, ops), "typed-cloudmap sdk")
        _table("Azure (Azurite): 1 KB typed get", race(az_gets, rounds, ops), "typed-cloudmap sdk")


if __name__ == "__main__":
    main()
