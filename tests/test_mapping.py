"""CloudMapping's dict semantics, validation, conflicts and sync on the embedded providers."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import BaseModel

from typed_cloudmap import (
    BulkError,
    CloudMapping,
    CodecError,
    InvalidValueError,
    KeySyncError,
    LocalProvider,
    MemoryProvider,
    Provider,
)
from typed_cloudmap.providers import IfMatch


class User(BaseModel):
    id: int
    name: str


@pytest.fixture(params=["memory", "local"])
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> Provider:
    if request.param == "memory":
        return MemoryProvider()
    return LocalProvider(tmp_path / "store")


@pytest.fixture
def users(provider: Provider) -> CloudMapping[str, User]:
    return CloudMapping[str, User](provider, prefix="users/")


def test_typed_round_trip(users: CloudMapping[str, User]) -> None:
    users["alice"] = User(id=1, name="Alice")
    users["bob"] = {"id": 2, "name": "Bob"}  # type: ignore[assignment]  # validated into a User
    assert users["alice"] == User(id=1, name="Alice")
    assert isinstance(users["bob"], User)
    assert users["bob"].name == "Bob"
    assert len(users) == 2
    assert sorted(users) == ["alice", "bob"]
    assert "alice" in users
    assert dict(users.items()) == {"alice": User(id=1, name="Alice"), "bob": User(id=2, name="Bob")}
    assert users == {"alice": User(id=1, name="Alice"), "bob": User(id=2, name="Bob")}
    del users["bob"]
    assert "bob" not in users
    assert list(users.values()) == [User(id=1, name="Alice")]


def test_invalid_value_names_key_and_writes_nothing(
    users: CloudMapping[str, User], provider: Provider
) -> None:
    with pytest.raises(InvalidValueError, match="'eve'") as info:
        users["eve"] = {"id": "x"}  # type: ignore[assignment]  # the point of the test
    assert info.value.key == "eve"
    assert info.value.__cause__ is not None
    assert list(provider.list("")) == []
    users["eve"] = User(id=5, name="Eve")
    etag = users.etags["eve"]
    with pytest.raises(InvalidValueError):
        users["eve"] = {"id": 6}  # type: ignore[assignment]  # missing name
    assert provider.head("users/eve").etag == etag
    assert users["eve"] == User(id=5, name="Eve")


def test_dict_methods(users: CloudMapping[str, User]) -> None:
    alice = User(id=1, name="Alice")
    assert users.get("nobody") is None
    assert users.get("nobody", alice) == alice
    assert users.setdefault("alice", alice) == alice
    assert users.setdefault("alice", User(id=9, name="X")) == alice
    users.update({"bob": User(id=2, name="Bob")}, carol=User(id=3, name="Carol"))
    assert len(users) == 3
    assert users.pop("carol") == User(id=3, name="Carol")
    assert users.pop("carol", None) is None
    with pytest.raises(KeyError):
        users.pop("carol")
    key, value = users.popitem()
    assert key in {"alice", "bob"}
    assert isinstance(value, User)
    users.clear()
    assert len(users) == 0
    assert list(users.keys()) == []


def test_missing_key_is_plain_key_error(users: CloudMapping[str, User]) -> None:
    with pytest.raises(KeyError) as info:
        users["ghost"]
    assert type(info.value) is KeyError
    assert info.value.args == ("ghost",)
    with pytest.raises(KeyError):
        del users["ghost"]


def test_conflict_between_two_mappings(provider: Provider) -> None:
    a = CloudMapping[str, User](provider)
    b = CloudMapping[str, User](provider)
    a["k"] = User(id=1, name="A")
    with pytest.raises(KeySyncError) as info:
        b["k"] = User(id=2, name="B")  # b believes k absent: create-only fails
    assert info.value.key == "k"
    assert info.value.expected_etag is None
    assert a["k"].name == "A"
    b.sync()
    b["k"] = User(id=2, name="B")
    with pytest.raises(KeySyncError):
        a["k"] = User(id=3, name="A2")  # a's etag is stale
    with pytest.raises(KeySyncError):
        del a["k"]
    assert b["k"].name == "B"


def test_conflicts_are_not_swallowed_as_missing(provider: Provider) -> None:
    a = CloudMapping[str, User](provider)
    b = CloudMapping[str, User](provider)
    a["k"] = User(id=1, name="A")
    b.sync()
    b["k"] = User(id=2, name="B")
    assert not issubclass(KeySyncError, KeyError)
    with pytest.raises(KeySyncError):
        a.get("k")
    with pytest.raises(KeySyncError):
        a.pop("k")
    with pytest.raises(KeySyncError):
        a.pop("k", None)


def test_sync_drops_remote_deletes_and_respects_prefix(provider: Provider) -> None:
    a = CloudMapping[str, int](provider, codec="json")
    b = CloudMapping[str, int](provider, codec="json")
    a.update({"x/1": 1, "x/2": 2, "y/1": 3, "x/": 4})
    b.sync()
    assert sorted(b) == ["x/", "x/1", "x/2", "y/1"]
    del a["x/1"]
    del a["y/1"]
    a["x/3"] = 5
    b.sync("x/")
    assert sorted(b) == ["x/", "x/2", "x/3", "y/1"]  # y/1 is outside the synced prefix
    b.sync_with_cloud()
    assert sorted(b) == ["x/", "x/2", "x/3"]


def test_sync_initially_and_read_blindly(provider: Provider) -> None:
    a = CloudMapping[str, int](provider)
    a["k"] = 1
    lazy = CloudMapping[str, int](provider, sync_initially=False)
    assert len(lazy) == 0
    with pytest.raises(KeyError):
        lazy["k"]
    blind = CloudMapping[str, int](provider, sync_initially=False, read_blindly=True)
    assert "k" in blind
    assert blind["k"] == 1
    a["k"] = 2
    assert blind["k"] == 2  # blind reads take the latest value
    assert "nope" not in blind
    lazy.sync()
    a["k"] = 3
    with pytest.raises(KeySyncError):
        lazy["k"] = 4


def test_stored_value_that_no_longer_validates(provider: Provider) -> None:
    loose = CloudMapping[str, dict](provider, codec="orjson")  # type: ignore[type-arg]  # any JSON object
    loose["k"] = {"id": "not-an-int"}
    strict = CloudMapping[str, User](provider, codec="orjson")
    with pytest.raises(CodecError, match="'k'"):
        strict["k"]


def test_wrong_codec_names_both_stacks(provider: Provider) -> None:
    CloudMapping[str, User](provider, codec="orjson|zstd")["k"] = User(id=1, name="A")
    other = CloudMapping[str, User](provider, codec="orjson|zlib")
    with pytest.raises(CodecError) as info:
        other["k"]
    assert "orjson|zstd" in str(info.value)
    assert "orjson|zlib" in str(info.value)
    assert "'k'" in str(info.value)


def test_corrupted_bytes_raise_codec_error(provider: Provider) -> None:
    users = CloudMapping[str, User](provider, codec="orjson|zstd")
    users["k"] = User(id=1, name="A")
    stored = provider.get("k")
    assert stored is not None
    provider.put("k", b"\x00garbage", mode=IfMatch(stored.etag), metadata=stored.metadata)
    users.sync()
    with pytest.raises(CodecError, match="'k'"):
        users["k"]


def test_raw_mapping_takes_bytes_only(provider: Provider) -> None:
    raw = CloudMapping(provider)
    assert raw.codec.name == "raw"
    raw["b"] = b"\x00\x01"
    raw["ba"] = bytearray(b"xy")
    raw["mv"] = memoryview(b"z")
    assert raw["ba"] == b"xy"
    for bad in ("text", 1, {"a": 1}):
        with pytest.raises(InvalidValueError):
            raw["bad"] = bad  # type: ignore[assignment]  # the point of the test
    assert "bad" not in raw


def test_keyword_types_equal_subscripted(provider: Provider) -> None:
    m = CloudMapping(provider, key_type=int, value_type=User)
    m[7] = User(id=7, name="Seven")
    again = CloudMapping[int, User](provider)
    assert list(again) == [7]
    assert again[7].name == "Seven"


def test_setdefault_race_has_one_winner(provider: Provider) -> None:
    barrier = threading.Barrier(8)

    def attempt(i: int) -> int:
        m = CloudMapping[str, int](provider, sync_initially=False)
        barrier.wait()
        return m.setdefault("k", i)

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(attempt, range(8)))
    assert len(set(seen)) == 1
    assert CloudMapping[str, int](provider)["k"] == seen[0]


def test_modify_from_threads_loses_nothing(provider: Provider) -> None:
    counter = CloudMapping[str, int](provider)

    def work(_: int) -> None:
        for _ in range(10):
            counter.modify("n", lambda v: v + 1, default=0)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert counter["n"] == 80


def test_modify_missing_without_default(users: CloudMapping[str, User]) -> None:
    with pytest.raises(KeyError):
        users.modify("ghost", lambda u: u)


def test_modify_invalid_result_stores_nothing(provider: Provider) -> None:
    m = CloudMapping[str, int](provider)
    m["n"] = 1
    with pytest.raises(InvalidValueError):
        m.modify("n", lambda v: "oops")  # type: ignore[arg-type,return-value]  # the point
    assert m["n"] == 1


def test_repr_and_pickle(users: CloudMapping[str, User]) -> None:
    users["a"] = User(id=1, name="A")
    text = repr(users)
    assert "CloudMapping[str, User]" in text
    assert "users/" in text
    assert "orjson" in text
    clone = pickle.loads(pickle.dumps(users))
    assert type(clone) is type(users)
    assert clone.etags == users.etags
    if isinstance(users.provider, LocalProvider):
        assert clone["a"] == User(id=1, name="A")


def test_from_url(tmp_path: Path) -> None:
    url = f"file://{tmp_path}/data?codec=orjson|zstd"
    users = CloudMapping[str, User].from_url(url)
    users["alice"] = User(id=1, name="Alice")
    again = CloudMapping[str, User](f"file://{tmp_path}/data", codec="orjson|zstd")
    assert again["alice"].id == 1
    assert users.codec.name == "orjson|zstd"
    with pytest.raises(ValueError, match="bogus"):
        CloudMapping[str, User](f"file://{tmp_path}/data?bogus=1")


def test_bulk_methods(users: CloudMapping[str, User]) -> None:
    users.set_many({f"u{i}": User(id=i, name=str(i)) for i in range(20)})
    got = users.get_many([f"u{i}" for i in range(25)])
    assert len(got) == 20
    assert got["u3"] == User(id=3, name="3")
    users.delete_many([f"u{i}" for i in range(10)])
    assert len(users) == 10


def test_get_many_reports_failures_with_the_values_it_found(provider: Provider) -> None:
    a = CloudMapping[str, int](provider)
    a.set_many({"x": 1, "y": 2})
    b = CloudMapping[str, int](provider)
    b["y"] = 3  # a's etag for y is now stale
    with pytest.raises(BulkError) as info:
        a.get_many(["x", "y", "missing"])
    assert set(info.value.errors) == {"y"}
    assert isinstance(info.value.errors["y"], KeySyncError)
    assert info.value.results == {"x": 1}
