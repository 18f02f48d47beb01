"""aesgcm through CloudMapping on every backend: round trips, key binding, copies, migrate."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import BaseModel

from backends import ALL_BACKENDS, factory_for
from typed_cloudmap import CloudMapping, CodecError, MemoryProvider, Provider
from typed_cloudmap.codecs import AesGcmTransform, CodecStack, Keyring

KEYRING = Keyring({"k1": b"backend-test-kek-32-bytes-long!!"}, primary="k1")


class Secret(BaseModel):
    owner: str
    token: str


def _stack(serializer: str = "orjson", *middle: str) -> CodecStack:
    return CodecStack([serializer, *middle, AesGcmTransform(keyring=KEYRING)])


@pytest.fixture(params=ALL_BACKENDS)
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> Provider:
    return factory_for(request.param, request, tmp_path)()


@pytest.fixture
def prefix() -> str:
    return f"aes-{uuid.uuid4().hex[:8]}/"


def test_round_trip_and_nothing_in_the_clear(provider: Provider, prefix: str) -> None:
    secrets = CloudMapping[str, Secret](provider, prefix=prefix, codec=_stack("orjson", "zstd"))
    value = Secret(owner="alice", token="plaintext-token-visible-if-leaked")
    secrets["alice"] = value
    secrets["ünï/cödé key"] = value
    assert secrets["alice"] == value
    assert secrets["ünï/cödé key"] == value
    stored = provider.get(prefix + "alice")
    assert stored is not None
    assert b"plaintext-token" not in stored.data
    assert b"alice" not in stored.data
    assert stored.metadata["tcm_codec"] == "orjson|zstd|aesgcm:kek=k1"
    assert stored.content_encoding is None
    again = CloudMapping[str, Secret](provider, prefix=prefix, codec=_stack("json", "zstd"))
    assert again["alice"] == value  # another reader, a serializer of the same format

    raw = CloudMapping[int, bytes](provider, prefix=prefix + "raw/", codec=_stack("raw"))
    raw[7] = b"\x00binary secret"
    assert raw[7] == b"\x00binary secret"
    first = provider.get(prefix + "raw/7")
    raw[7] = b"\x00binary secret"
    second = provider.get(prefix + "raw/7")
    assert first is not None
    assert second is not None
    assert first.data != second.data


def test_moved_ciphertext_is_refused(provider: Provider, prefix: str) -> None:
    secrets = CloudMapping[str, Secret](provider, prefix=prefix, codec=_stack())
    secrets["alice"] = Secret(owner="alice", token="a")
    secrets["bob"] = Secret(owner="bob", token="b")
    stolen = provider.get(prefix + "alice")
    assert stolen is not None
    provider.put(prefix + "bob", stolen.data, metadata=dict(stolen.metadata))
    secrets.sync()
    with pytest.raises(CodecError, match=r"key 'bob'.*KEK 'k1'.*moved here"):
        secrets["bob"]
    assert secrets["alice"].token == "a"


def test_copies_to_another_prefix_and_store_stay_readable(provider: Provider, prefix: str) -> None:
    secrets = CloudMapping[str, Secret](provider, prefix=prefix + "a/", codec=_stack())
    secrets.update({f"s{i}": Secret(owner=f"o{i}", token=str(i)) for i in range(5)})
    elsewhere = MemoryProvider()
    for info in list(provider.list(prefix + "a/")):
        obj = provider.get(info.name)
        assert obj is not None
        moved = prefix + "b/" + info.name.removeprefix(prefix + "a/")
        provider.put(moved, obj.data, metadata=dict(obj.metadata))
        elsewhere.put(info.name, obj.data, metadata=dict(obj.metadata))
    copy = CloudMapping[str, Secret](provider, prefix=prefix + "b/", codec=_stack())
    other = CloudMapping[str, Secret](elsewhere, prefix=prefix + "a/", codec=_stack())
    for mapping in (copy, other):
        assert {k: v.token for k, v in mapping.items()} == {f"s{i}": str(i) for i in range(5)}


def _read_in_worker(mapping: CloudMapping[str, Secret], key: str) -> str:
    return mapping[key].token


def test_env_keyed_mapping_ships_to_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    from typed_cloudmap import LocalProvider
    from typed_cloudmap.codecs import generate_key

    key = generate_key()
    monkeypatch.setenv("TCM_WORKER_AES", key)  # inherited by the worker process
    mapping = CloudMapping[str, Secret](
        LocalProvider(tmp_path / "s"), codec="orjson|aesgcm:env=TCM_WORKER_AES"
    )
    mapping["w"] = Secret(owner="w", token="from-the-parent")
    assert key.encode() not in pickle.dumps(mapping)
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(CloudMapping[str, Secret](MemoryProvider(), codec=_stack()))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(_read_in_worker, mapping, "w").result(timeout=120) == "from-the-parent"


def test_rekey_on_every_backend(provider: Provider, prefix: str) -> None:
    from typed_cloudmap._cli_rekey import rekey_store
    from typed_cloudmap._cli_store import Store
    from typed_cloudmap.codecs import kek_id_of

    new_ring = Keyring(
        {"k1": b"backend-test-kek-32-bytes-long!!", "k2": b"backend-test-kek-two-32-bytes!!!"},
        primary="k2",
    )
    old = CloudMapping[str, Secret](provider, prefix=prefix, codec=_stack())
    old.update({f"s{i}": Secret(owner="o", token=str(i)) for i in range(5)})
    new_stack = CodecStack(["orjson", AesGcmTransform(keyring=new_ring)])
    report = rekey_store(Store(provider, prefix, new_stack, workers=4), new_stack)
    assert (report.rekeyed, report.current, report.failed) == (5, 0, {})
    for i in range(5):
        obj = provider.get(f"{prefix}s{i}")
        assert obj is not None
        assert kek_id_of(obj.data) == "k2"
    new = CloudMapping[str, Secret](provider, prefix=prefix, codec=new_stack)
    assert {k: v.token for k, v in new.items()} == {f"s{i}": str(i) for i in range(5)}
    assert rekey_store(Store(provider, prefix, new_stack), new_stack).current == 5
