"""``typed_cloudmap.compat``: the seed's spellings, and data the real cloud-mappings wrote.

The seed library (cloud-mappings 2.1.0, the ``test`` extra) writes real objects on the
emulators through its own SDK calls; this package then reads them back with the compat
spellings and with a typed ``CloudMapping`` naming the codec explicitly.
"""

from __future__ import annotations

import json
import pickle
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from typed_cloudmap import (
    CloudMapping,
    CodecError,
    InvalidValueError,
    KeySyncError,
    LocalProvider,
    MemoryProvider,
    Provider,
    compat,
)
from typed_cloudmap._keys import KeyCodec

cloudmappings = pytest.importorskip("cloudmappings", reason="cloud-mappings (test extra) missing")
from cloudmappings.serialisers import core as seed_codecs  # noqa: E402  # after importorskip
from cloudmappings.storageprovider import StorageProvider as SeedProvider  # noqa: E402  # idem

# Keys as the seed accepted them: spaces, '%', non-ASCII and folders all get quoted.
SEED_KEYS = ["plain", "with space", "dir/sub/ü", "100%", "a-b_c.d~e"]


class Point(BaseModel):
    x: int
    label: str


def _values() -> dict[str, Any]:
    return {k: {"x": i, "label": k} for i, k in enumerate(SEED_KEYS)}


# --- spellings on memory and local --------------------------------------------------------


@pytest.fixture(params=["memory", "local"])
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> Provider:
    return MemoryProvider() if request.param == "memory" else LocalProvider(tmp_path / "store")


def test_raw_mapping_takes_bytes_only(provider: Provider) -> None:
    raw = compat.ProviderMapping(storageprovider=provider)
    assert isinstance(raw, CloudMapping)
    assert raw.codec.name == "raw"
    raw["k"] = b"v"
    assert raw["k"] == b"v"
    with pytest.raises(InvalidValueError):
        raw["s"] = "text"  # type: ignore[assignment]  # the point: refused at runtime


@pytest.mark.parametrize(
    ("helper", "stack"),
    [
        ("with_pickle", "pickle"),
        ("with_json", "json:sort_keys=true"),
        ("with_json_zlib", "json:sort_keys=true|zlib"),
    ],
)
def test_helpers_round_trip(provider: Provider, helper: str, stack: str) -> None:
    mapping = getattr(compat.ProviderMapping, helper)(provider, key_prefix="p/")
    assert mapping.codec.name == stack
    for key, value in _values().items():
        mapping[key] = value
    again = getattr(compat.ProviderMapping, helper)(provider, key_prefix="p/")
    assert dict(again.items()) == _values()
    del again["plain"]
    assert "plain" not in again


def test_pickle_keeps_python_objects(provider: Provider) -> None:
    mapping = compat.ProviderMapping.with_pickle(provider)
    mapping["t"] = {"tuple": (1, 2), "set": {3}}
    assert mapping["t"] == {"tuple": (1, 2), "set": {3}}


def test_with_buffers_round_trip_and_stack_name(provider: Provider) -> None:
    buffers = [json.dumps, json.loads, zlib.compress, zlib.decompress]
    mapping = compat.ProviderMapping.with_buffers(buffers, provider)
    assert mapping.codec.name == (
        "buffers:dumps=json.dumps,loads=json.loads"
        "|buffers:dumps=zlib.compress,loads=zlib.decompress"
    )
    mapping["k"] = {"a": [1, 2]}  # json.dumps returns str: stored as UTF-8
    stored = provider.get("k")
    assert stored is not None
    assert json.loads(zlib.decompress(stored.data)) == {"a": [1, 2]}
    fresh = compat.ProviderMapping.with_buffers(buffers, provider)
    assert fresh["k"] == {"a": [1, 2]}
    # Another stack refuses these objects instead of misreading them.
    with pytest.raises(CodecError):
        compat.ProviderMapping.with_json(provider)["k"]


def test_with_buffers_hands_objects_over_untouched(provider: Provider) -> None:
    mapping = compat.ProviderMapping.with_buffers([pickle.dumps, pickle.loads], provider)
    mapping["p"] = Point(x=1, label="one")  # not turned into a dict on the way
    assert mapping["p"] == Point(x=1, label="one")


def test_with_buffers_needs_pairs(provider: Provider) -> None:
    with pytest.raises(ValueError, match="pairs"):
        compat.ProviderMapping.with_buffers([json.dumps], provider)
    with pytest.raises(TypeError, match="callables"):
        compat.ProviderMapping.with_buffers([json.dumps, "loads"], provider)  # type: ignore[list-item]  # refused at runtime


def test_sync_initially_and_seed_errors(provider: Provider) -> None:
    writer = compat.ProviderMapping.with_pickle(provider)
    writer["k"] = 1
    lazy = compat.ProviderMapping.with_pickle(provider, sync_initially=False)
    assert len(lazy) == 0
    lazy.sync_with_cloud()
    assert lazy["k"] == 1
    writer["k"] = 2
    with pytest.raises(KeySyncError) as info:
        lazy["k"] = 3
    assert not isinstance(info.value, KeyError)  # the seed's KeySyncError was a KeyError
    blind = compat.ProviderMapping.with_pickle(provider, sync_initially=False, read_blindly=True)
    assert blind["k"] == 2


def test_spelling_argument_errors() -> None:
    with pytest.raises(TypeError, match="multiple values"):
        compat.AWSS3Mapping("b", bucket_name="b")
    with pytest.raises(TypeError, match="at most"):
        compat.AWSS3Mapping("b", True, "extra")
    with pytest.raises(TypeError, match="key_prefix or prefix"):
        compat.ProviderMapping(MemoryProvider(), key_prefix="a/", prefix="b/")
    with pytest.raises(TypeError, match="create_container_metadata"):
        compat.AzureBlobMapping(container_name="c", create_container_metadata={"a": "b"})


# --- object names ------------------------------------------------------------------------


def _seed_name(key: str) -> str:
    """The object name cloud-mappings 2.1.0 gives ``key`` (its method uses no ``self``)."""
    name: str = SeedProvider.encode_key(None, key)
    return name


NAME_KEYS = [*SEED_KEYS, "a//b", "dir/", "/lead", ".", "a/../b", "tab\there", "#?&="]


@pytest.mark.parametrize("key", NAME_KEYS)
def test_quote_encoding_is_the_seed_naming(key: str) -> None:
    seed_name = _seed_name(key)
    codec = KeyCodec(str, "", encoding="quote")
    assert codec.encode(key) == seed_name
    assert codec.decode(seed_name) == key


@pytest.mark.parametrize("key", SEED_KEYS)
def test_default_names_match_the_seed_for_ordinary_keys(key: str) -> None:
    assert KeyCodec(str).encode(key) == _seed_name(key)


def test_quote_encoding_prefix_listing() -> None:
    codec = KeyCodec(str, "p/", encoding="quote")
    assert codec.name_prefix("dir/s") == "p/dir/s"
    assert codec.encode("dir/sub").startswith(codec.name_prefix("dir/s"))
    ok, _ = codec.try_decode("p/not%2fcanonical")
    assert not ok
    with pytest.raises(ValueError, match="key encoding"):
        KeyCodec(str, encoding="plain")


# --- data written by the real cloud-mappings, on the emulators -------------------------------

SeedStorage = Callable[[], Any]  # builds a cloudmappings *Storage on a fresh bucket


def _write_with_seed(storage: Any) -> None:
    """Write the same values three ways, as cloud-mappings 2.1.0 does by default or asked."""
    for prefix, serialisation in [
        ("pickle/", seed_codecs.pickle()),
        ("json/", seed_codecs.json()),
        ("jz/", seed_codecs.json_zlib()),
    ]:
        seed = storage.create_mapping(serialisation=serialisation, key_prefix=prefix)
        for key, value in _values().items():
            seed[key] = value


def _check_reads(spelling: compat.SeedSpelling, provider: Provider, **kwargs: Any) -> None:
    expected = _values()
    pickled = spelling.with_pickle(key_prefix="pickle/", **kwargs)
    assert dict(pickled.items()) == expected
    assert dict(spelling.with_json(key_prefix="json/", **kwargs).items()) == expected
    assert dict(spelling.with_json_zlib(key_prefix="jz/", **kwargs).items()) == expected
    typed = CloudMapping[str, Point](provider, prefix="json/", codec="json")
    assert typed["with space"] == Point(x=1, label="with space")
    assert set(typed) == set(SEED_KEYS)
    typed_z = CloudMapping[str, Point](provider, prefix="jz/", codec="json|zlib")
    assert dict(typed_z.items()) == {k: Point(**v) for k, v in expected.items()}
    # Writing over seed data is conditional like any other write; the result reads back.
    pickled["plain"] = {"x": 99, "label": "new"}
    assert spelling.with_pickle(key_prefix="pickle/", **kwargs)["plain"]["x"] == 99


@pytest.fixture
def seed_s3(s3_moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """cloud-mappings builds ``boto3.client("s3")`` itself: point it at moto by environment."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_moto_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_moto_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_moto_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_moto_server.region)
    return f"tcm-seed-{uuid.uuid4().hex[:12]}"


def test_reads_seed_data_s3(seed_s3: str, s3_moto_server: Any) -> None:
    _write_with_seed(cloudmappings.AWSS3Storage(bucket_name=seed_s3, silence_warning=True))
    conn = {
        "endpoint_url": s3_moto_server.url,
        "region_name": s3_moto_server.region,
        "client_kwargs": s3_moto_server.client_kwargs(),
    }
    provider = s3_moto_server.provider(seed_s3, create=False)
    _check_reads(compat.AWSS3Mapping, provider, bucket_name=seed_s3, silence_warning=True, **conn)
    raw = compat.AWSS3Mapping(seed_s3, False, key_prefix="pickle/", **conn)
    assert pickle.loads(raw["100%"]) == _values()["100%"]


def test_reads_seed_data_azure(azurite: Any) -> None:
    container = f"tcm-seed-{uuid.uuid4().hex[:12]}"
    conn = azurite.connection_string
    _write_with_seed(
        cloudmappings.AzureBlobStorage(container_name=container, connection_string=conn)
    )
    provider = azurite.provider(container)
    _check_reads(
        compat.AzureBlobMapping, provider, container_name=container, connection_string=conn
    )


def test_reads_seed_data_gcs(fake_gcs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.auth.credentials import AnonymousCredentials

    # cloud-mappings builds its own storage.Client: the SDK reads the emulator from here.
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fake_gcs.endpoint_url)
    bucket = f"tcm-seed-{uuid.uuid4().hex[:12]}"
    _write_with_seed(
        cloudmappings.GoogleCloudStorage(
            bucket_name=bucket, project=fake_gcs.project, credentials=AnonymousCredentials()
        )
    )
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    conn = {"project": fake_gcs.project, "endpoint_url": fake_gcs.endpoint_url}
    from typed_cloudmap.providers.gcs import GCSProvider

    provider = GCSProvider(bucket, **conn)
    _check_reads(compat.GoogleCloudStorageMapping, provider, bucket_name=bucket, **conn)


def test_compat_finds_seed_edge_keys() -> None:
    store = MemoryProvider()
    for key in ["a//b", "dir/", "."]:
        store.put(_seed_name(key), pickle.dumps(key))
    assert sorted(compat.ProviderMapping.with_pickle(store)) == [".", "a//b", "dir/"]
