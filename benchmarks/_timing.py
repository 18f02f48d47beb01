"""Shared timing helpers: alternate the systems under test to cancel drift, report medians."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

_SMOKE = False


def smoke(enabled: bool = True) -> None:
    """Make every later ``race`` a smoke run (two short rounds): the figures mean nothing,
    but every code path runs; ``run.py --quick`` and the test suite use it."""
    global _SMOKE
    _SMOKE = enabled


def race(
    cases: dict[str, Callable[[], object]], *, rounds: int = 7, min_time: float = 0.05
) -> dict[str, float]:
    """Seconds per call of each case: ``rounds`` alternated rounds, median per case.

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


def _race(cases: dict[str, Callable[[], object]], rounds: int, min_time: float) -> dict[str, float]:
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
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            n = loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


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
