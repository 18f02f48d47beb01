"""GCSProvider against fake-gcs-server: the conformance suite plus GCS-specific behaviour."""

from __future__ import annotations

import gzip
import math
import pickle
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from google.oauth2.credentials import Credentials

from _wire import Wire, wired_provider
from emulators.fake_gcs import FakeGCS
from typed_cloudmap.errors import KeySyncError, ProviderError, ValueSizeError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers._base import Provider
from typed_cloudmap.providers._registry import open_url
from typed_cloudmap.providers.gcs import GCSProvider
from typed_cloudmap.testing import ProviderConformance, RawAccess

MakeProvider = Callable[[], GCSProvider]


class TestGCSConformance(ProviderConformance):
    known_gaps = {  # noqa: RUF012  # overrides the base's ClassVar; annotating again is noise
        "test_delete_if_match_stale_fails_and_keeps_value": (
            "fake-gcs-server ignores ifGenerationMatch on object deletes (deleteObject in "
            "fakestorage/object.go); GCS itself refuses with 412"
        ),
    }

    @pytest.fixture
    def provider(self, fake_gcs_make_provider: MakeProvider) -> Iterator[Provider]:
        provider = fake_gcs_make_provider()
        yield provider
        provider.close()

    @pytest.fixture
    def raw(self, provider: GCSProvider, fake_gcs: FakeGCS) -> RawAccess:
        return fake_gcs.raw(provider.bucket)


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def gcs(fake_gcs_make_provider: MakeProvider) -> Iterator[GCSProvider]:
    provider = fake_gcs_make_provider()
    yield provider
    provider.close()


@pytest.fixture
def wired(fake_gcs: FakeGCS) -> Iterator[tuple[GCSProvider, Wire]]:
    """A provider on a fresh bucket whose HTTP requests are logged (see ``tests/_wire``)."""
    with wired_provider(fake_gcs, FakeGCS.provider) as pair:
        yield pair


# --- URL parsing and construction ------------------------------------------------------------


def test_from_url_parts_pops_known_options() -> None:
    options = {
        "endpoint_url": "http://127.0.0.1:1",
        "project": "p",
        "max_pool_connections": "32",
        "codec": "orjson",
    }
    provider, prefix = GCSProvider.from_url_parts("acme", "users/", options)
    assert prefix == "users/"
    assert options == {"codec": "orjson"}
    assert provider.name == "gs://acme"
    assert provider.bucket == "acme"
    assert "http://127.0.0.1:1" in repr(provider)


def test_from_url_parts_create_flag(fake_gcs: FakeGCS) -> None:
    bucket = f"tcm-url-{uuid.uuid4().hex[:12]}"
    options = {"endpoint_url": fake_gcs.endpoint_url, "create": "true"}
    provider, prefix = GCSProvider.from_url_parts(bucket, "", options)
    assert (prefix, options) == ("", {})
    assert list(provider.list()) == []
    with pytest.raises(ValueError, match="create"):
        GCSProvider.from_url_parts(bucket, "", {"create": "perhaps"})


def test_open_url_gives_provider_prefix_and_leftover_options(fake_gcs: FakeGCS) -> None:
    bucket = f"tcm-url-{uuid.uuid4().hex[:12]}"
    url = f"gs://{bucket}/users/?endpoint_url={fake_gcs.endpoint_url}&create=true&codec=orjson"
    provider, prefix, options = open_url(url)
    assert isinstance(provider, GCSProvider)
    assert (provider.name, prefix, options) == (f"gs://{bucket}", "users/", {"codec": "orjson"})
    provider.put(prefix + "a", b"x", mode="create")
    assert [o.name for o in provider.list(prefix)] == ["users/a"]


def test_construction_does_no_io_and_resolves_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/credentials.json")
    provider = GCSProvider("some-bucket")
    assert provider._clients.peek() is None
    clone = pickle.loads(pickle.dumps(provider))
    assert clone._clients.peek() is None
    # The SDK's default chain runs at first use; a broken chain is a ProviderError then.
    with pytest.raises(ProviderError, match="gs://some-bucket"):
        provider.head("x")


def test_storage_emulator_host_env_is_honoured(
    fake_gcs: FakeGCS, gcs: GCSProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    etag = gcs.put("env", b"via env", mode="create")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", fake_gcs.endpoint_url.removeprefix("http://"))
    from_env = GCSProvider(gcs.bucket)
    got = from_env.get("env")
    assert got is not None
    assert (got.data, got.etag) == (b"via env", etag)
    from_env.close()


# --- one request per operation, conditions on the request -------------------------------------


def test_each_operation_is_one_request_with_its_condition(
    wired: tuple[GCSProvider, Wire],
) -> None:
    gcs, wire = wired

    etag1 = gcs.put("k", b"v1", mode="create", metadata={"tcm_token": "t1"})
    (call,) = wire.take()
    assert call[0] == "POST"
    assert "ifGenerationMatch=0" in call[1]

    etag2 = gcs.put("k", b"v2", mode=IfMatch(etag1))
    (call,) = wire.take()
    assert f"ifGenerationMatch={etag1}" in call[1]

    gcs.put("other", b"x")
    (call,) = wire.take()
    assert "ifGenerationMatch" not in call[1]

    got = gcs.get("k")
    assert got is not None
    assert got.etag == etag2
    assert len(wire.take()) == 1

    assert gcs.get("k", if_match=etag2) is not None
    (call,) = wire.take()
    assert f"ifGenerationMatch={etag2}" in call[1]

    assert gcs.get("k", if_none_match=etag2) is None
    (call,) = wire.take()
    assert f"ifGenerationNotMatch={etag2}" in call[1]

    info = gcs.head("k")
    assert info.etag == etag2
    assert len(wire.take()) == 1

    gcs.delete("k", if_match=etag2)
    (call,) = wire.take()
    assert call[0] == "DELETE"
    assert f"ifGenerationMatch={etag2}" in call[1]


def test_etag_that_cannot_be_a_generation_fails_without_a_request(
    wired: tuple[GCSProvider, Wire],
) -> None:
    gcs, wire = wired
    gcs.put("k", b"v", mode="create")
    wire.take()
    with pytest.raises(KeySyncError):
        gcs.put("k", b"w", mode=IfMatch('"not-a-generation"'))
    with pytest.raises(KeySyncError):
        gcs.delete("k", if_match="abc")
    with pytest.raises(KeySyncError):
        gcs.get("k", if_match="abc")
    assert wire.take() == []


def test_listing_costs_one_request_per_thousand_objects(
    wired: tuple[GCSProvider, Wire], fake_gcs: FakeGCS
) -> None:
    gcs, wire = wired
    direct = fake_gcs.provider(gcs.bucket)
    count = 1010
    names = [f"many/{i:05d}" for i in range(count)]
    with ThreadPoolExecutor(16) as pool:
        written = pool.map(lambda n: direct.put(n, b"", mode="create"), names)
        etags = dict(zip(names, written, strict=True))
    direct.put("outside", b"", mode="create")
    listed = {o.name: o.etag for o in gcs.list("many/")}
    assert listed == etags
    calls = wire.take()
    assert len(calls) == math.ceil(count / 1000)
    assert all(method == "GET" and "maxResults=1000" in url for method, url in calls)


# --- content and metadata --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("zstd", lambda b: b"\x28\xb5\x2f\xfd" + b),
        ("deflate", zlib.compress),
        ("gzip", gzip.compress),
    ],
)
def test_encoded_bytes_round_trip_unchanged(
    gcs: GCSProvider, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    data = compress(b'{"hello": "world"}' * 20)
    gcs.put("enc", data, mode="create", content_type="application/json", content_encoding=encoding)
    got = gcs.get("enc")
    assert got is not None
    assert got.data == data
    assert (got.content_type, got.content_encoding) == ("application/json", encoding)


def test_metadata_keys_read_back_lowercase(gcs: GCSProvider) -> None:
    gcs.put("m", b"x", mode="create", metadata={"tcm_codec": "raw", "Mixed_Case": "v"})
    got = gcs.get("m")
    assert got is not None
    expected = {"tcm_codec": "raw", "mixed_case": "v"}
    assert dict(got.metadata) == expected
    assert dict(gcs.head("m").metadata or {}) == expected


_LARGE = bytes(range(256)) * (9 * 4096)  # 9 MiB, over the SDK's 8 MiB multipart threshold


def test_large_value_uses_a_conditional_resumable_upload(
    wired: tuple[GCSProvider, Wire],
) -> None:
    gcs, wire = wired
    etag = gcs.put("big", _LARGE, mode="create")
    start, *_ = wire.take()
    assert start[0] == "POST"
    assert "uploadType=resumable" in start[1]
    assert "ifGenerationMatch=0" in start[1]
    got = gcs.get("big")
    assert got is not None
    assert (got.data == _LARGE, got.etag) == (True, etag)


@pytest.mark.xfail(
    reason="fake-gcs-server drops preconditions on resumable uploads (uploadFileContent in "
    "fakestorage/upload.go creates the object with NoConditions); GCS checks them",
    strict=False,
)
def test_large_value_create_only_conflict(gcs: GCSProvider) -> None:
    gcs.put("big", _LARGE, mode="create")
    with pytest.raises(KeySyncError):
        gcs.put("big", _LARGE, mode="create")


def test_size_and_name_limits_are_checked_before_io(wired: tuple[GCSProvider, Wire]) -> None:
    gcs, wire = wired
    with pytest.raises(ValueSizeError):
        gcs.put("n" * 1025, b"x")
    assert wire.take() == []


# --- errors and secrets ----------------------------------------------------------------------


def test_missing_bucket_is_a_provider_error(fake_gcs: FakeGCS) -> None:
    provider = GCSProvider("tcm-no-such-bucket", endpoint_url=fake_gcs.endpoint_url)
    with pytest.raises(ProviderError, match="gs://tcm-no-such-bucket") as listing:
        list(provider.list())
    assert listing.value.provider == "gs://tcm-no-such-bucket"
    assert listing.value.__cause__ is not None
    with pytest.raises(ProviderError, match="bucket"):
        provider.put("k", b"v", mode="create")


def test_secrets_stay_out_of_repr_name_and_errors(fake_gcs: FakeGCS) -> None:
    token = "ya29.very-secret-token"
    password = "hunter2-secret"
    host = fake_gcs.endpoint_url.removeprefix("http://")
    provider = GCSProvider(
        "tcm-no-such-bucket",
        credentials=Credentials(token=token),  # type: ignore[no-untyped-call]  # google-auth leaves __init__ unannotated
        endpoint_url=f"http://user:{password}@{host}",
    )
    with pytest.raises(ProviderError) as caught:
        list(provider.list())
    for text in (repr(provider), provider.name, str(caught.value)):
        assert token not in text
        assert password not in text
