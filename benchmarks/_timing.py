"""Shared timing helpers: alternate the systems under test to cancel drift, report medians.

Each figure comes in two clocks: wall time (``perf_counter``) and the client CPU time of
this process (``process_time``: every thread of the benchmark, never the emulator's). On a
machine whose cores the emulator shares, wall time is noisy and CPU time is stable.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

_SMOKE = False


def smoke(enabled: bool = True) -> None:
    """Make every later ``race`` a smoke run (two short rounds): the figures mean nothing,
    but every code path runs; ``run.py --quick`` and the test suite use it."""
    global _SMOKE
    _SMOKE = enabled


@dataclass(frozen=True)
class Timing:
    """Median seconds per call: ``wall`` (elapsed) and ``cpu`` (this process's CPU time)."""

    wall: float
    cpu: float


def race(
    cases: Mapping[str, Callable[[], object]], *, rounds: int = 7, min_time: float = 0.05
) -> dict[str, float]:
    """Wall seconds per call of each case (see :func:`measure`)."""
    return {name: t.wall for name, t in measure(cases, rounds=rounds, min_time=min_time).items()}


def measure(
    cases: Mapping[str, Callable[[], object]], *, rounds: int = 7, min_time: float = 0.05
) -> dict[str, Timing]:
    """Wall and CPU seconds per call of each case: ``rounds`` alternated rounds, medians.

    The garbage collector is off while timing (as in ``timeit``): a full collection costs
    tens of milliseconds in a process holding many objects and lands on whichever case
    happens to be running, which turned medians into coin tosses.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _race(cases, rounds, min_time)
    finally:
        if was_enabled:
            gc.enable()


def _race(
    cases: Mapping[str, Callable[[], object]], rounds: int, min_time: float
) -> dict[str, Timing]:
    if _SMOKE:
        rounds, min_time = min(rounds, 2), min(min_time, 0.001)
    loops: dict[str, int] = {}
    for name, fn in cases.items():
        n, start = 1, time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        while elapsed < min_time / 5:
            n *= 2
            start = time.perf_counter()
            for _ in range(n):
                fn()
            elapsed = time.perf_counter() - start
        loops[name] = max(1, int(n * (min_time / max(elapsed, 1e-9))))
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            n = loops[name]
            cpu, start = time.process_time(), time.perf_counter()
            for _ in range(n):
                fn()
            walls[name].append((time.perf_counter() - start) / n)
            cpus[name].append((time.process_time() - cpu) / n)
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]))
        for name in cases
    }


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def print_table(title: str, rows: list[tuple[str, str, float, float]], console: Console) -> None:
    """Rows of (case, system, seconds, baseline seconds); ratio = baseline / seconds."""
    table = Table(title=title)
    for col in ("case", "system", "per op", "speed vs baseline"):
        table.add_column(col)
    for case, system, secs, base in rows:
        table.add_row(case, system, fmt_time(secs), f"{base / secs:.2f}x")
    console.print(table)
