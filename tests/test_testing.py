"""``typed_cloudmap.testing.RecordingProvider``: records every call, answers as the inner one."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest

from typed_cloudmap import CloudMapping, KeySyncError, LocalProvider, MemoryProvider
from typed_cloudmap.testing import Call, RecordingProvider


def test_records_each_call_with_its_result_or_error() -> None:
    provider = RecordingProvider(MemoryProvider())
    etag = provider.put("a", b"1", metadata={"tcm_token": "t"})
    assert provider.get("a", if_none_match=etag) is None
    with pytest.raises(KeyError):
        provider.head("missing")
    assert [o.name for o in provider.list("")] == ["a"]
    provider.delete("a", if_match=etag)
    assert provider.counts() == Counter({"put": 1, "get": 1, "head": 1, "list": 1, "delete": 1})
    (put,) = provider.of("put")
    assert put == Call("put", "a", {"metadata": {"tcm_token": "t"}, "size": 1}, etag, None)
    (get,) = provider.of("get")
    assert (get.kwargs["if_none_match"], get.result) == (etag, None)  # a 304
    (head,) = provider.of("head")
    assert isinstance(head.error, KeyError)
    assert [o.name for o in provider.of("list")[0].result] == ["a"]
    provider.clear()
    assert provider.calls == []


def test_limits_default_to_the_inner_provider_and_can_be_lowered() -> None:
    assert RecordingProvider(MemoryProvider()).max_object_size == MemoryProvider.max_object_size
    provider = RecordingProvider(MemoryProvider(), max_object_size=10, max_name_length=5)
    assert (provider.max_object_size, provider.max_name_length) == (10, 5)
    assert provider.name == provider.inner.name


@pytest.mark.parametrize("native", [True, False])
def test_delete_many_delegates_or_falls_back(native: bool, tmp_path: Path) -> None:
    inner = MemoryProvider() if native else LocalProvider(tmp_path / "store")
    provider = RecordingProvider(inner)
    etags = {n: provider.put(n, b"x") for n in "abc"}
    provider.put("b", b"changed")
    failures = provider.delete_many(list(etags.items()))
    assert set(failures) == {"b"}
    assert isinstance(failures["b"], KeySyncError)
    calls = provider.counts()
    assert calls["delete_many" if native else "delete"] == (1 if native else 3)


def test_mapping_through_it_and_pickled() -> None:
    provider = RecordingProvider(MemoryProvider())
    m = CloudMapping[str, int](provider, sync_initially=False)
    m["a"] = 1
    assert m["a"] == 1
    assert provider.counts() == Counter({"put": 1, "get": 1})
    clone = pickle.loads(pickle.dumps(provider))
    assert clone.calls == []
    assert clone.counts() == Counter()
