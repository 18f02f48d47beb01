"""Requests per mapping operation, counted on the wire (botocore's before-send hook on moto)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import BaseModel

from typed_cloudmap import CloudMapping, KeySyncError
from typed_cloudmap.providers.s3 import S3Provider


class Item(BaseModel):
    n: int


@pytest.fixture
def counted(s3_moto_make_provider: Any) -> tuple[S3Provider, Counter[str]]:
    provider: S3Provider = s3_moto_make_provider()
    sent: Counter[str] = Counter()

    def count(request: Any, **_: Any) -> None:
        sent[request.method] += 1

    provider.client.meta.events.register("before-send.s3", count)
    return provider, sent


def test_one_request_per_single_key_operation(counted: tuple[S3Provider, Counter[str]]) -> None:
    provider, sent = counted
    items = CloudMapping[str, Item](provider, prefix="r/", sync_initially=False)
    blind = CloudMapping[str, Item](provider, prefix="r/", read_blindly=True, sync_initially=False)
    steps = [
        ("set new", lambda: items.__setitem__("a", Item(n=1)), {"PUT": 1}),
        ("set known", lambda: items.__setitem__("a", Item(n=2)), {"PUT": 1}),
        ("get", lambda: items["a"], {"GET": 1}),
        ("contains (view)", lambda: "a" in items, {}),
        ("contains (blind)", lambda: "a" in blind, {"HEAD": 1}),
        ("get (blind)", lambda: blind["a"], {"GET": 1}),
        ("delete", lambda: items.__delitem__("a"), {"DELETE": 1}),
    ]
    for label, step, expected in steps:
        sent.clear()
        step()
        assert dict(sent) == expected, label


def test_cached_reread_sends_one_conditional_get(counted: tuple[S3Provider, Counter[str]]) -> None:
    provider, sent = counted
    items = CloudMapping[str, Item](provider, prefix="c/", cache=True, sync_initially=False)
    items["a"] = Item(n=1)
    items["a"]
    sent.clear()
    assert items["a"] == Item(n=1)
    assert dict(sent) == {"GET": 1}
    assert items.cache is not None
    assert items.cache.hits == 1


def test_conflict_costs_one_more_request_to_reconcile(
    counted: tuple[S3Provider, Counter[str]],
) -> None:
    provider, sent = counted
    a = CloudMapping[str, Item](provider, prefix="x/", sync_initially=False)
    b = CloudMapping[str, Item](provider, prefix="x/", sync_initially=False)
    a["k"] = Item(n=1)
    sent.clear()
    with pytest.raises(KeySyncError):
        b["k"] = Item(n=2)
    assert dict(sent) == {"PUT": 1, "HEAD": 1}  # the HEAD checks the write token


def test_sync_lists_in_pages(counted: tuple[S3Provider, Counter[str]]) -> None:
    provider, sent = counted
    items = CloudMapping[int, Item](provider, prefix="s/", sync_initially=False)
    items.set_many({i: Item(n=i) for i in range(1005)})
    sent.clear()
    items.sync()
    assert len(items) == 1005
    assert dict(sent) == {"GET": 2}  # ceil(1005 / 1000) ListObjectsV2 pages
