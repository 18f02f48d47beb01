"""No lost updates: 4 processes x 8 threads x 25 ``modify`` increments end exact."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from backends import SHARED_BACKENDS, factory_for
from typed_cloudmap import CloudMapping, Provider

PROCESSES, THREADS, INCREMENTS = 4, 8, 25


def _worker(provider: Provider) -> int:
    counter = CloudMapping[str, int](provider, prefix="counters/", sync_initially=False)

    def bump(_: int) -> int:
        for _ in range(INCREMENTS):
            counter.modify("hits", lambda n: n + 1, default=0)
        return INCREMENTS

    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(bump, range(THREADS)))


@pytest.mark.slow
@pytest.mark.parametrize("backend", SHARED_BACKENDS)
def test_modify_from_processes_and_threads_is_exact(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    provider = factory_for(backend, request, tmp_path)()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        done = pool.map(_worker, [provider] * PROCESSES)
    assert sum(done) == PROCESSES * THREADS * INCREMENTS
    final = CloudMapping[str, int](provider, prefix="counters/")
    assert final["hits"] == PROCESSES * THREADS * INCREMENTS
