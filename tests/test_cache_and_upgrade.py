"""The opt-in read cache (304 revalidation) and schema evolution on read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from typed_cloudmap import (
    BulkError,
    CloudMapping,
    CodecError,
    KeySyncError,
    MemoryProvider,
    ReadCache,
)
from typed_cloudmap.testing import RecordingProvider


def downloads_and_304s(provider: RecordingProvider) -> tuple[int, int]:
    """(gets that returned the object, gets answered "not modified")."""
    results = [call.result for call in provider.of("get") if call.error is None]
    return sum(r is not None for r in results), sum(r is None for r in results)


class Doc(BaseModel):
    title: str
    body: str


def test_cached_reread_is_a_304() -> None:
    provider = RecordingProvider(MemoryProvider())
    docs = CloudMapping[str, Doc](provider, cache=True)
    docs["a"] = Doc(title="t", body="x" * 1000)
    first = docs["a"]
    again = docs["a"]
    assert again is first  # no decode: the cached object itself
    assert downloads_and_304s(provider) == (1, 1)
    assert docs.cache is not None
    assert docs.cache.hits == 1


def test_cache_sees_changes_and_conflicts() -> None:
    provider = RecordingProvider(MemoryProvider())
    a = CloudMapping[str, Doc](provider, cache=ReadCache(max_entries=4))
    b = CloudMapping[str, Doc](provider)
    a["k"] = Doc(title="1", body="")
    assert a["k"].title == "1"
    b.sync()
    b["k"] = Doc(title="2", body="")
    with pytest.raises(KeySyncError):
        a["k"]  # the view is stale: the cache never hides a conflict
    blind = CloudMapping[str, Doc](provider, cache=True, read_blindly=True)
    assert blind["k"].title == "2"
    b["k"] = Doc(title="3", body="")
    assert blind["k"].title == "3"  # a changed object is downloaded again


def test_cache_bounds() -> None:
    cache = ReadCache(max_entries=2, max_bytes=100)
    cache.store("a", "e1", 1, 10)
    cache.store("b", "e2", 2, 10)
    cache.store("c", "e3", 3, 10)
    assert cache.lookup("a") is None
    assert len(cache) == 2
    cache.store("big", "e4", 4, 1000)  # larger than the whole cache: not kept
    assert cache.lookup("big") is None
    cache.store("d", "e5", 5, 95)
    assert cache.lookup("b") is None
    assert cache.lookup("c") is None
    assert cache.lookup("d") == ("e5", 5)


def test_deleted_key_leaves_the_cache() -> None:
    docs = CloudMapping[str, Doc](MemoryProvider(), cache=True)
    docs["k"] = Doc(title="t", body="b")
    docs["k"]
    del docs["k"]
    assert docs.cache is not None
    assert len(docs.cache) == 0


class UserV1(BaseModel):
    name: str


class UserV2(BaseModel):
    first: str
    last: str


def _split(raw: Any, fingerprint: str | None) -> Any:
    if "name" in raw:
        first, _, last = raw["name"].partition(" ")
        return {"first": first, "last": last}
    return raw


def test_upgrade_callable_turns_old_values_into_the_current_model() -> None:
    provider = MemoryProvider()
    CloudMapping[str, UserV1](provider)["ada"] = UserV1(name="Ada Lovelace")
    v2 = CloudMapping[str, UserV2](provider, upgrade=_split)
    assert v2["ada"] == UserV2(first="Ada", last="Lovelace")
    v2["alan"] = UserV2(first="Alan", last="Turing")
    assert v2["alan"].last == "Turing"  # current objects skip the hook


def test_upgrade_by_fingerprint() -> None:
    provider = MemoryProvider()
    old = CloudMapping[str, UserV1](provider)
    old["ada"] = UserV1(name="Ada Lovelace")
    v2 = CloudMapping[str, UserV2](
        provider,
        upgrade={old.fingerprint: lambda raw: {"first": raw["name"], "last": "?"}},
    )
    assert v2["ada"] == UserV2(first="Ada Lovelace", last="?")
    without = CloudMapping[str, UserV2](provider)
    with pytest.raises(CodecError, match="'ada'"):
        without["ada"]


def test_upgrade_that_returns_garbage_is_a_codec_error() -> None:
    provider = MemoryProvider()
    CloudMapping[str, UserV1](provider)["ada"] = UserV1(name="Ada")
    v2 = CloudMapping[str, UserV2](provider, upgrade=lambda raw, fp: {"nope": 1})
    with pytest.raises(CodecError, match="'ada'"):
        v2["ada"]


def test_fingerprint_tracks_the_schema() -> None:
    p = MemoryProvider()
    assert CloudMapping[str, UserV1](p).fingerprint != CloudMapping[str, UserV2](p).fingerprint
    assert CloudMapping[str, UserV1](p).fingerprint == CloudMapping[int, UserV1](p).fingerprint


def _key_error(raw: Any, fingerprint: str | None) -> Any:
    return {"first": raw["missing"], "last": ""}


def _attribute_error(raw: Any, fingerprint: str | None) -> Any:
    return raw.first


@pytest.mark.parametrize("converter", [_key_error, _attribute_error])
def test_failing_upgrade_is_a_codec_error_never_a_missing_key(converter: Any) -> None:
    provider = MemoryProvider()
    old = CloudMapping[str, UserV1](provider)
    old["ada"] = UserV1(name="Ada")
    v2 = CloudMapping[str, UserV2](provider, upgrade=converter)
    for read in (
        lambda: v2["ada"],
        lambda: v2.get("ada"),
        lambda: v2.get("ada", None),
        lambda: v2.pop("ada", None),
    ):
        with pytest.raises(CodecError, match="'ada'") as info:
            read()
        assert old.fingerprint in str(info.value)
        assert isinstance(info.value.__cause__, (KeyError, AttributeError))
    assert "ada" in v2
    assert provider.get("ada") is not None  # pop did not delete
    with pytest.raises(BulkError) as bulk:
        v2.get_many(["ada"])
    assert isinstance(bulk.value.errors["ada"], CodecError)
    with pytest.raises((CodecError, BulkError)):
        list(v2.items())
