"""Dask: mappings pickled to worker processes of a ``LocalCluster(processes=True)``.

Workers write and read 1000 keys through a pickled mapping, run ``modify`` on one shared
counter with no lost update, and the bulk operations run through ``client.get_executor()``.
Backends: a local directory (shared by the worker processes) and S3 on moto.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from backends import factory_for
from typed_cloudmap import BulkError, CloudMapping

distributed = pytest.importorskip("distributed")

KEYS = 1000
CHUNKS = 8
COUNTER_TASKS, INCREMENTS = 8, 10
# Each bulk task sent to an executor carries a pickled copy of the mapping's core, and each copy
# opens its own SDK client on the worker (about 0.1-0.3 s for boto3), so the cloud run of the
# bulk test stays small.
BULK_KEYS = {"local": 100, "s3-moto": 12, "s3-moto-obstore": 12}


class Item(BaseModel):
    n: int
    label: str


def _item(i: int) -> Item:
    return Item(n=i, label=f"item-{i}")


def _write_chunk(mapping: CloudMapping[str, Item], numbers: list[int]) -> int:
    """Runs on a worker: its copy of the mapping writes each key create-only."""
    for i in numbers:
        mapping[f"k{i:04d}"] = _item(i)
    return len(numbers)


def _read_chunk(mapping: CloudMapping[str, Item], numbers: list[int]) -> list[Item]:
    """Runs on a worker: reads through the view it was pickled with (no listing)."""
    return [mapping[f"k{i:04d}"] for i in numbers]


def _bump(counter: CloudMapping[str, int], times: int) -> int:
    for _ in range(times):
        counter.modify("hits", lambda n: n + 1, default=0)
    return times


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes with two threads each, on loopback, without a dashboard."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


@pytest.fixture(params=["local", "s3-moto", "s3-moto-obstore"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _chunks(n: int, parts: int) -> list[list[int]]:
    return [list(range(start, n, parts)) for start in range(parts)]


def test_workers_write_and_read_1000_keys(
    client: Any, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    provider = factory_for(backend, request, tmp_path)()
    items = CloudMapping[str, Item](provider, prefix="items/")

    written = client.gather(client.map(_write_chunk, [items] * CHUNKS, _chunks(KEYS, CHUNKS)))
    assert sum(written) == KEYS
    assert len(items) == 0  # the workers wrote through their own copies
    items.sync()
    assert len(items) == KEYS

    # The synced view travels with the pickle: workers read with If-Match, no listing.
    read = client.gather(client.map(_read_chunk, [items] * CHUNKS, _chunks(KEYS, CHUNKS)))
    assert {item.n for chunk in read for item in chunk} == set(range(KEYS))
    assert all(item == _item(item.n) for chunk in read for item in chunk)


def test_modify_on_one_counter_loses_no_update(
    client: Any, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    provider = factory_for(backend, request, tmp_path)()
    counter = CloudMapping[str, int](provider, prefix="counters/")
    futures = client.map(_bump, [counter] * COUNTER_TASKS, [INCREMENTS] * COUNTER_TASKS, pure=False)
    assert sum(client.gather(futures)) == COUNTER_TASKS * INCREMENTS
    counter.sync()
    assert counter["hits"] == COUNTER_TASKS * INCREMENTS


def test_bulk_operations_on_the_dask_executor(
    client: Any, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    provider = factory_for(backend, request, tmp_path)()
    executor = client.get_executor()
    items = CloudMapping[str, Item](provider, prefix="bulk/", executor=executor)
    batch = {f"b{i:03d}": _item(i) for i in range(BULK_KEYS[backend])}

    items.set_many(batch)  # each write runs on a worker; the etags come back to this view
    assert set(items) == set(batch)
    assert items.get_many(batch) == batch
    assert dict(items.items()) == batch  # items() is get_many, so on the workers too

    stale = CloudMapping[str, Item](provider, prefix="bulk/")
    stale["b000"] = _item(-1)  # another writer changes one key behind the view
    with pytest.raises(BulkError) as caught:
        # An executor given here wins over the provider's batch delete (moto's ignores etags).
        items.delete_many(list(batch), executor=executor)
    assert set(caught.value.errors) == {"b000"}
    assert list(items) == ["b000"]
