"""zstd vs zlib through typed-cloudmap's codecs: throughput (MB/s) and compression ratio.

Documents: a small JSON object (~200 B, one typical value) and a ~100 KB JSON list of
realistic records. Throughput is megabytes of *uncompressed* data per second, through the
codec objects the library uses (so wrapper overhead is included). Run:

    python -m benchmarks.bench_compression [--seconds 0.2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable
from functools import partial

import orjson

from typed_cloudmap.codecs import Transform, get_codec

CODECS = [
    "zstd:level=1",
    "zstd:level=3",
    "zstd:level=9",
    "zlib:level=1",
    "zlib:level=6",
    "zlib:level=9",
]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Frances",
    "Ken",
    "Margaret",
    "Linus",
    "Radia",
]
LAST = ["Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Thompson", "Hamilton"]
TAGS = ["admin", "beta", "billing", "eu", "us", "trial", "vip", "support", "api", "mobile"]
CITIES = ["Berlin", "Lisbon", "Toronto", "Osaka", "Nairobi", "Austin", "Lyon", "Melbourne"]


def record(rng: random.Random, i: int) -> dict[str, object]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    created = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        seconds=rng.randrange(150_000_000)
    )
    return {
        "id": 100_000 + i,
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{rng.randrange(1000)}@example.com",
        "created_at": created.isoformat(),
        "active": rng.random() < 0.8,
        "score": round(rng.uniform(0, 100), 2),
        "tags": rng.sample(TAGS, rng.randrange(0, 4)),
        "address": {"city": rng.choice(CITIES), "zip": f"{rng.randrange(10000, 99999)}"},
    }


def documents() -> dict[str, bytes]:
    rng = random.Random(42)
    small = orjson.dumps(record(rng, 0) | {"note": "first login from a new device"})
    records: list[dict[str, object]] = []
    while len(orjson.dumps(records)) < 100_000:
        records.append(record(rng, len(records)))
    return {"small JSON": small, "100 KB records": orjson.dumps(records)}


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn``, timed over about ``seconds``."""
    calls, started = 0, time.perf_counter()
    batch = 1
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return calls / elapsed
        batch *= 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.2, help="time per measurement")
    args = parser.parse_args(argv)

    header = (
        f"{'document':<15} {'codec':<13} {'in B':>8} {'out B':>8} {'ratio':>6} "
        f"{'comp MB/s':>10} {'decomp MB/s':>12} {'comp us':>8} {'dec us':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, doc in documents().items():
        for spec in CODECS:
            codec = get_codec(spec)
            assert isinstance(codec, Transform)
            encoded = codec.encode(doc)
            assert codec.decode(encoded, limit=len(doc)) == doc
            comp = rate(partial(codec.encode, doc), args.seconds)
            decomp = rate(partial(codec.decode, encoded), args.seconds)
            print(
                f"{label:<15} {spec:<13} {len(doc):>8} {len(encoded):>8} "
                f"{len(doc) / len(encoded):>6.2f} {comp * len(doc) / 1e6:>10.1f} "
                f"{decomp * len(doc) / 1e6:>12.1f} {1e6 / comp:>8.1f} {1e6 / decomp:>8.1f}"
            )
        print()
    print("ratio = uncompressed / compressed; MB/s counts uncompressed bytes (1 MB = 10^6 B);")
    print("us = microseconds per call.")


if __name__ == "__main__":
    main()
