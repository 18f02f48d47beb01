"""zstd with a trained dictionary stored beside the data (``"orjson|zstd:dict=NAME"``)."""

from __future__ import annotations

import pickle

import pytest
from pydantic import BaseModel

from typed_cloudmap import CloudMapping, CodecError, MemoryProvider
from typed_cloudmap._dictionaries import DICTIONARY_DIR


class Event(BaseModel):
    kind: str
    user: str
    path: str
    status: int


def _events(n: int) -> list[Event]:
    kinds = ["view", "click", "purchase"]
    return [
        Event(kind=kinds[i % 3], user=f"user-{i % 17}", path=f"/shop/item/{i % 40}", status=200)
        for i in range(n)
    ]


def test_dictionary_is_trained_stored_and_shared() -> None:
    provider = MemoryProvider()
    events = CloudMapping[int, Event](provider, prefix="ev/", codec="orjson|zstd:dict=events")
    with pytest.raises(CodecError, match="not loaded"):
        events[0] = _events(1)[0]
    events.train_dictionary(_events(300), size=4096)
    events.set_many(dict(enumerate(_events(50))))
    assert provider.head("ev/" + DICTIONARY_DIR + "events").size
    assert sorted(events) == list(range(50))  # the dictionary never shows up as a key
    reader = CloudMapping[int, Event](provider, prefix="ev/", codec="orjson|zstd:dict=events")
    assert reader[7] == _events(50)[7]
    clone = pickle.loads(pickle.dumps(reader))
    assert clone[8] == _events(50)[8]


def test_dictionary_makes_small_values_smaller() -> None:
    provider = MemoryProvider()
    plain = CloudMapping[int, Event](provider, prefix="plain/", codec="orjson|zstd")
    trained = CloudMapping[int, Event](provider, prefix="dict/", codec="orjson|zstd:dict=ev")
    trained.train_dictionary(_events(500), size=4096)
    sample = dict(enumerate(_events(100)))
    plain.set_many(sample)
    trained.set_many(sample)

    def total(prefix: str) -> int:
        return sum(o.size or 0 for o in provider.list(prefix))

    assert total("dict/") < total("plain/") * 0.7


def test_second_training_keeps_the_first_dictionary() -> None:
    provider = MemoryProvider()
    a = CloudMapping[int, Event](provider, codec="orjson|zstd:dict=ev")
    a.train_dictionary(_events(200), size=2048)
    a[1] = _events(2)[1]
    b = CloudMapping[int, Event](provider, codec="orjson|zstd:dict=ev", sync_initially=False)
    b.train_dictionary([Event(kind="x", user="y", path="/z", status=i) for i in range(50)])
    b.sync()
    assert b[1] == _events(2)[1]
