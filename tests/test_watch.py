"""``CloudMapping.watch`` on every backend: changes from another writer, in order, typed.

The stream is lazy: each ``next()`` polls (after the first, one ``interval`` apart) until a
poll finds something, so a test that writes, then calls ``next()``, sees exactly that write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from backends import factory_for
from typed_cloudmap import (
    Change,
    CloudMapping,
    CodecError,
    MemoryProvider,
    ObjectInfo,
    StoredObject,
)

WATCH_BACKENDS = ["memory", "local", "s3-moto", "azure-azurite", "gcs-fake"]
FAST = 0.01


class Item(BaseModel):
    n: int


@pytest.fixture(params=WATCH_BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[CloudMapping[str, Item], CloudMapping[str, Item]]:
    """A watching mapping and another writer on the same store."""
    provider = factory_for(request.param, request, tmp_path)()
    watcher = CloudMapping[str, Item](provider, prefix="w/")
    writer = CloudMapping[str, Item](provider, prefix="w/")
    return watcher, writer


def test_added_modified_deleted_in_order(
    pair: tuple[CloudMapping[str, Item], CloudMapping[str, Item]],
) -> None:
    watcher, writer = pair
    stream = watcher.watch(interval=FAST)
    writer["a"] = Item(n=1)
    added = next(stream)
    assert added == Change("added", "a", Item(n=1), writer.etags["a"])
    assert watcher.etags["a"] == added.etag  # the view follows the stream
    assert watcher["a"] == Item(n=1)
    writer["a"] = Item(n=2)
    modified = next(stream)
    assert (modified.kind, modified.key, modified.value) == ("modified", "a", Item(n=2))
    assert modified.etag == writer.etags["a"] != added.etag
    watcher["a"] = Item(n=3)  # the watcher's own write is in its view: not reported
    writer.sync()
    del writer["a"]
    writer["b"] = Item(n=4)
    got = [next(stream), next(stream)]
    assert [(c.kind, c.key, c.value) for c in got] == [
        ("added", "b", Item(n=4)),
        ("deleted", "a", None),
    ]
    assert "a" not in watcher
    assert watcher["b"] == Item(n=4)
    stream.close()


def test_invalid_value_is_reported_with_its_error(
    pair: tuple[CloudMapping[str, Item], CloudMapping[str, Item]],
) -> None:
    watcher, writer = pair
    other = CloudMapping[str, str](writer.provider, prefix="w/")
    stream = watcher.watch(interval=FAST)
    other["bad"] = "not an item"
    change = next(stream)
    assert (change.kind, change.key, change.value) == ("added", "bad", None)
    assert isinstance(change.error, CodecError)
    assert change.etag == other.etags["bad"]
    with pytest.raises(CodecError):
        watcher["bad"]  # the view holds that version; reading it fails the same way
    writer.sync()
    writer["bad"] = Item(n=1)
    fixed = next(stream)
    assert (fixed.kind, fixed.value, fixed.error) == ("modified", Item(n=1), None)
    stream.close()


def test_prefix_limits_the_stream(
    pair: tuple[CloudMapping[str, Item], CloudMapping[str, Item]],
) -> None:
    watcher, writer = pair
    stream = watcher.watch(interval=FAST, prefix="cfg/")
    writer["other"] = Item(n=0)
    writer["cfg/x"] = Item(n=1)
    change = next(stream)
    assert (change.kind, change.key) == ("added", "cfg/x")
    writer["other"] = Item(n=5)
    writer["cfg/x"] = Item(n=2)
    assert next(stream).value == Item(n=2)
    stream.close()


def test_int_keys_and_initial_view() -> None:
    provider = MemoryProvider()
    writer = CloudMapping[int, Item](provider)
    writer[1] = Item(n=1)
    watcher = CloudMapping[int, Item](provider)  # synced: key 1 is known, not a change
    blank = CloudMapping[int, Item](provider, sync_initially=False)
    stream = watcher.watch(interval=FAST)
    writer[2] = Item(n=2)
    assert next(stream) == Change("added", 2, Item(n=2), writer.etags[2])
    stream.close()
    everything = blank.watch(interval=FAST)  # an empty view: all that exists is new
    assert {next(everything).key, next(everything).key} == {1, 2}
    everything.close()


def test_close_stops_the_stream() -> None:
    provider = MemoryProvider()
    watcher = CloudMapping[str, Item](provider)
    writer = CloudMapping[str, Item](provider)
    writer["a"] = Item(n=1)
    for change in watcher.watch(interval=FAST):
        assert change.key == "a"
        break
    stream = watcher.watch(interval=FAST)
    writer["b"] = Item(n=2)
    next(stream)
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)


def test_arguments_are_checked_at_the_call() -> None:
    watcher = CloudMapping[str, Item](MemoryProvider())
    with pytest.raises(ValueError, match="interval"):
        watcher.watch(interval=0)
    with pytest.raises(ValueError, match="interval"):
        watcher.watch(interval=-1.0)


class _CountingMemory(MemoryProvider):
    """A memory provider counting LIST and GET calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self.calls["list"] += 1
        return super().list(prefix)

    def get(self, name: str, **kwargs: Any) -> StoredObject | None:
        self.calls["get"] += 1
        return super().get(name, **kwargs)


def test_one_list_and_gets_only_for_changed_keys() -> None:
    provider = _CountingMemory()
    writer = CloudMapping[int, Item](provider)
    writer.set_many({i: Item(n=i) for i in range(3000)})
    watcher = CloudMapping[int, Item](provider)
    stream = watcher.watch(interval=FAST)
    for round_ in range(3):
        provider.calls.clear()
        writer[round_] = Item(n=-1)
        assert next(stream).key == round_
        assert dict(provider.calls) == {"list": 1, "get": 1}
    provider.calls.clear()
    writer.set_many({i: Item(n=-2) for i in range(10, 20)})
    assert sorted(next(stream).key for _ in range(10)) == list(range(10, 20))
    assert dict(provider.calls) == {"list": 1, "get": 10}  # one poll, fetched concurrently
    stream.close()
