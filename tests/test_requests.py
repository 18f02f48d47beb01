"""Provider calls per mapping operation, on every backend, through ``RecordingProvider``.

On the cloud providers one call is one HTTP request (retries aside); how a listing pages
is each provider's own test (``test_list_pages_of_1000`` and the like).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel

from backends import ALL_BACKENDS, factory_for
from typed_cloudmap import CloudMapping, KeySyncError
from typed_cloudmap.testing import RecordingProvider


class Item(BaseModel):
    n: int


@pytest.fixture(params=ALL_BACKENDS)
def recorded(request: pytest.FixtureRequest, tmp_path: Path) -> RecordingProvider:
    return RecordingProvider(factory_for(request.param, request, tmp_path)())


def test_one_call_per_single_key_operation(recorded: RecordingProvider) -> None:
    items = CloudMapping[str, Item](recorded, prefix="r/", sync_initially=False)
    blind = CloudMapping[str, Item](recorded, prefix="r/", read_blindly=True, sync_initially=False)
    steps = [
        ("set new", lambda: items.__setitem__("a", Item(n=1)), {"put": 1}),
        ("set known", lambda: items.__setitem__("a", Item(n=2)), {"put": 1}),
        ("get", lambda: items["a"], {"get": 1}),
        ("contains (view)", lambda: "a" in items, {}),
        ("contains (blind)", lambda: "a" in blind, {"head": 1}),
        ("get (blind)", lambda: blind["a"], {"get": 1}),
        ("delete", lambda: items.__delitem__("a"), {"delete": 1}),
    ]
    for label, step, expected in steps:
        recorded.clear()
        step()
        assert recorded.counts() == Counter(expected), label


def test_cached_reread_sends_one_conditional_get(recorded: RecordingProvider) -> None:
    items = CloudMapping[str, Item](recorded, prefix="c/", cache=True, sync_initially=False)
    items["a"] = Item(n=1)
    items["a"]
    recorded.clear()
    assert items["a"] == Item(n=1)
    (get,) = recorded.calls
    assert get.method == "get"
    assert get.kwargs["if_none_match"] is not None
    assert get.result is None  # answered "not modified"
    assert items.cache is not None
    assert items.cache.hits == 1


def test_conflict_costs_one_more_call_to_reconcile(recorded: RecordingProvider) -> None:
    a = CloudMapping[str, Item](recorded, prefix="x/", sync_initially=False)
    b = CloudMapping[str, Item](recorded, prefix="x/", sync_initially=False)
    a["k"] = Item(n=1)
    recorded.clear()
    with pytest.raises(KeySyncError):
        b["k"] = Item(n=2)
    assert recorded.counts() == Counter({"put": 1, "head": 1})  # the head checks the token


def test_sync_is_one_listing(recorded: RecordingProvider) -> None:
    items = CloudMapping[int, Item](recorded, prefix="s/", sync_initially=False)
    items.set_many({i: Item(n=i) for i in range(25)})
    recorded.clear()
    items.sync()
    assert len(items) == 25
    assert recorded.counts() == Counter({"list": 1})
