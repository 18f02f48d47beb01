"""Small-model encode: the mapping core's write-path encode vs bare ``TypeAdapter.dump_json``.

The library's row is ``MappingCore.encode`` (validate, serialize, the provider's size
check: what every write runs before its PUT); ``ValueCodec.encode`` is shown too. Process
CPU time (stable on a shared machine), median of ``--rounds`` rounds of ``--calls`` calls,
the candidates interleaved round by round. Target: ratio <= 1.05.
Run: ``python benchmarks/bench_encode.py [--rounds 15] [--calls 50000]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from pydantic import BaseModel, TypeAdapter

from typed_cloudmap._core import MappingCore
from typed_cloudmap.codecs import parse_stack
from typed_cloudmap.providers import MemoryProvider


class Small(BaseModel):
    id: int
    name: str
    email: str | None = None
    active: bool = True


class Priced(BaseModel):
    """A small model with a float: its JSON is scanned for a NaN written as ``null``."""

    id: int
    name: str
    price: float


def _cpu_per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls


def measure(rounds: int, calls: int, value: BaseModel) -> dict[str, float]:
    """Median process-CPU seconds per call of each candidate."""
    adapter: TypeAdapter[BaseModel] = TypeAdapter(type(value))
    core: MappingCore[str, BaseModel] = MappingCore(
        MemoryProvider(), key_type=str, value_type=type(value), codec=parse_stack("orjson")
    )
    assert core.encode("k", value)[1] == adapter.dump_json(value)
    candidates: dict[str, Callable[[], object]] = {
        "TypeAdapter.dump_json": lambda: adapter.dump_json(value),
        "MappingCore.encode": lambda: core.encode("k", value),
        "ValueCodec.encode": lambda: core.values.encode("k", value),
    }
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for fn in candidates.values():  # warm up
        _cpu_per_call(fn, calls // 10)
    for _ in range(rounds):
        for name, fn in candidates.items():
            samples[name].append(_cpu_per_call(fn, calls))
    return {name: statistics.median(s) for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Small-model encode vs bare dump_json")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    print(f"small-model encode, process CPU, median of {args.rounds} x {args.calls:,} calls")
    for value in (
        Small(id=1, name="Alice", email="a@example.org"),
        Priced(id=1, name="Widget", price=9.5),
    ):
        result = measure(args.rounds, args.calls, value)
        base = result["TypeAdapter.dump_json"]
        print(f"{type(value).__name__}:")
        for name, seconds in result.items():
            print(f"  {name:24s} {seconds * 1e9:8.0f} ns/call  {seconds / base:5.3f}x")


if __name__ == "__main__":
    main()
