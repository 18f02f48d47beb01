"""S3Provider against two S3 emulators: moto_server and SeaweedFS."""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from _wire import Wire, wired_provider
from emulators._s3 import MakeS3Provider, S3Endpoint, fresh_bucket
from typed_cloudmap.errors import KeySyncError, ProviderError, ValueSizeError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers._base import Provider
from typed_cloudmap.providers._s3_client import EXPECT_THRESHOLD, retry_conflicts
from typed_cloudmap.providers.s3 import S3Provider
from typed_cloudmap.testing import ProviderConformance, RawAccess

_MOTO_STAR_ON_MISSING = (
    "moto (5.2.6) answers 'If-Match: *' on DeleteObject of a missing key with 204; AWS and "
    "SeaweedFS answer 412 (the object must exist), read as KeyError"
)


class TestS3OnMoto(ProviderConformance):
    known_gaps = {  # noqa: RUF012  # overrides the ClassVar of the suite
        "test_delete_missing": _MOTO_STAR_ON_MISSING,
    }

    @pytest.fixture
    def provider(self, s3_moto_make_provider: MakeS3Provider) -> Provider:
        return s3_moto_make_provider()

    @pytest.fixture
    def raw(self, provider: S3Provider, s3_moto_server: S3Endpoint) -> RawAccess:
        return s3_moto_server.raw(provider.bucket)


class TestS3ObstoreOnMoto(ProviderConformance):
    """The same suite on ``transport="obstore"`` (deletes still go through boto3)."""

    known_gaps = {  # noqa: RUF012  # overrides the ClassVar of the suite
        "test_delete_missing": _MOTO_STAR_ON_MISSING,
    }

    @pytest.fixture
    def provider(self, s3_moto_obstore_make_provider: MakeS3Provider) -> Provider:
        return s3_moto_obstore_make_provider()


class TestS3OnSeaweedFS(ProviderConformance):
    known_gaps = {  # noqa: RUF012  # overrides the ClassVar of the suite
        "test_long_name": (
            "SeaweedFS stores a key as a filer path and refuses any '/'-separated segment over "
            "255 bytes with KeyTooLongError; S3 takes any 1024-byte key"
        ),
    }

    @pytest.fixture
    def provider(self, s3_seaweedfs_make_provider: MakeS3Provider) -> Provider:
        return s3_seaweedfs_make_provider()

    @pytest.fixture
    def raw(self, provider: S3Provider, s3_seaweedfs_server: S3Endpoint) -> RawAccess:
        return s3_seaweedfs_server.raw(provider.bucket)


# --- provider-specific tests, on both emulators ----------------------------------------------


@pytest.fixture(params=["moto", "seaweedfs"])
def endpoint(request: pytest.FixtureRequest) -> S3Endpoint:
    server: S3Endpoint = request.getfixturevalue(f"s3_{request.param}_server")
    return server


@pytest.fixture
def s3(endpoint: S3Endpoint) -> S3Provider:
    return endpoint.provider(fresh_bucket())


@pytest.fixture
def wired(endpoint: S3Endpoint) -> Iterator[tuple[S3Provider, Wire]]:
    """A provider on a fresh bucket whose HTTP requests are logged (see ``tests/_wire``)."""
    with wired_provider(endpoint, lambda proxied: proxied.provider(fresh_bucket())) as pair:
        yield pair


def test_one_request_per_operation(
    wired: tuple[S3Provider, Wire], request: pytest.FixtureRequest
) -> None:
    s3, wire = wired
    etag = s3.put("k", b"v1", mode="create", metadata={"tcm_token": "t"})
    assert s3.get("k") is not None
    assert s3.get("k", if_none_match=etag) is None
    s3.head("k")
    etag = s3.put("k", b"v2", mode=IfMatch(etag))
    with pytest.raises(KeySyncError):
        s3.put("k", b"v3", mode="create")
    s3.delete("k", if_match=etag)
    if request.node.callspec.params["endpoint"] == "moto":
        s3.delete("k")  # moto answers 204 here, still in one request (_MOTO_STAR_ON_MISSING)
    else:
        with pytest.raises(KeyError):
            s3.delete("k")
    assert wire.methods() == Counter({"PUT": 3, "GET": 2, "HEAD": 1, "DELETE": 2})


def test_unconditional_delete_of_existing_object(s3: S3Provider) -> None:
    s3.put("k", b"v")
    s3.delete("k")
    with pytest.raises(KeyError):
        s3.get("k")


def test_list_pages_of_1000(wired: tuple[S3Provider, Wire], endpoint: S3Endpoint) -> None:
    s3, wire = wired
    direct = endpoint.provider(s3.bucket, create=False)
    names = [f"p/{i:05d}" for i in range(1050)]
    with ThreadPoolExecutor(16) as pool:
        etags = list(pool.map(lambda n: direct.put(n, b"x"), names))
    listed = list(s3.list("p/"))
    assert [o.name for o in listed] == names
    assert [o.etag for o in listed] == etags
    listing = wire.take()
    assert [method for method, _ in listing] == ["GET", "GET"]
    assert all("list-type=2" in path for _, path in listing)
    failures = s3.delete_many([(o.name, o.etag) for o in listed])
    assert failures == {}
    assert [(method, path.partition("?")[2]) for method, path in wire.take()] == [
        ("POST", "delete"),
        ("POST", "delete"),
    ]
    assert list(s3.list("p/")) == []


def test_missing_bucket_is_provider_error(endpoint: S3Endpoint) -> None:
    gone = endpoint.provider(fresh_bucket(), create=False)
    calls: list[Callable[[], object]] = [
        lambda: gone.get("k"),
        lambda: gone.put("k", b"v"),
        lambda: gone.put("k", b"v", mode="create"),
        lambda: list(gone.list()),
        lambda: gone.delete("k"),
        lambda: gone.delete("k", if_match='"0123"'),
        lambda: gone.delete_many([("k", None)]),
    ]
    for call in calls:
        with pytest.raises(ProviderError) as info:
            call()
        assert info.value.provider == gone.name
        assert gone.name in str(info.value)
        assert isinstance(info.value.__cause__, ClientError)


def test_secrets_never_shown(endpoint: S3Endpoint, s3_seaweedfs_server: S3Endpoint) -> None:
    secret = "tcm-VERY-SECRET-never-print-me"
    provider = S3Provider(
        fresh_bucket(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        client_kwargs={"aws_access_key_id": endpoint.access_key, "aws_secret_access_key": secret},
    )
    assert secret not in repr(provider)
    assert secret not in provider.name
    assert endpoint.access_key not in repr(provider)
    with pytest.raises(ProviderError) as info:
        provider.get("k")  # a missing bucket on moto, a bad signature on SeaweedFS
    assert secret not in str(info.value)
    if endpoint is s3_seaweedfs_server:
        assert "SignatureDoesNotMatch" in str(info.value)


def test_repr_hides_userinfo() -> None:
    provider = S3Provider("b-1", endpoint_url="https://user:pw@example.invalid:9000")
    assert "pw" not in repr(provider)
    assert "example.invalid:9000" in repr(provider)
    assert provider.name == "s3://b-1"


def test_get_returns_metadata_and_headers_of_the_version_read(s3: S3Provider) -> None:
    s3.put("k", b"{}", metadata={"tcm_codec": "orjson"}, content_type="application/json")
    etag = s3.put("k", b"x", metadata={"tcm_codec": "raw"}, content_encoding="zstd")
    got = s3.get("k")
    assert got is not None
    assert (got.etag, dict(got.metadata), got.content_encoding) == (
        etag,
        {"tcm_codec": "raw"},
        "zstd",
    )


def test_size_limit_is_checked_before_any_request(wired: tuple[S3Provider, Wire]) -> None:
    s3, wire = wired
    s3.max_object_size = 4
    with pytest.raises(ValueSizeError):
        s3.put("k", b"12345")
    assert wire.take() == []
    assert S3Provider.max_object_size == 5 * 1024**4  # multipart upload limit
    assert S3Provider.max_name_length == 1024


def test_the_old_contradictory_keywords_are_refused(s3: S3Provider) -> None:
    with pytest.raises(TypeError, match="create_only"):
        s3.put("k", b"v", create_only=True, if_match='"x"')  # type: ignore[call-arg]  # the point
    with pytest.raises(TypeError, match="put mode"):
        s3.put("k", b"v", mode='"x"')  # type: ignore[arg-type]  # an etag is not a mode


def test_small_puts_skip_expect_continue(s3: S3Provider) -> None:
    seen: list[bool] = []

    def on_send(request: Any, **_: Any) -> None:
        seen.append("Expect" in request.headers)

    s3.client.meta.events.register("before-send.s3.PutObject", on_send)
    s3.put("small", b"x" * 100)
    s3.put("large", b"x" * EXPECT_THRESHOLD)
    assert seen == [False, True]


def test_pickle_keeps_configuration_not_client(endpoint: S3Endpoint) -> None:
    provider = endpoint.provider(fresh_bucket(), max_pool_connections=32)
    provider.put("k", b"v", mode="create")
    clone = pickle.loads(pickle.dumps(provider))
    assert clone._clients.peek() is None
    assert clone.client.meta.config.max_pool_connections == 32
    got = clone.get("k")
    assert got is not None
    assert got.data == b"v"


def test_user_config_is_merged_over_defaults(endpoint: S3Endpoint) -> None:
    provider = S3Provider(
        "any-bucket",
        endpoint_url=endpoint.url,
        client_kwargs={**endpoint.client_kwargs(), "config": Config(read_timeout=7)},
    )
    config: Any = provider.client.meta.config  # botocore-stubs do not list Config's options
    assert config.read_timeout == 7
    assert config.retries is not None
    assert config.retries["mode"] == "standard"
    assert config.max_pool_connections == 16
    assert pickle.loads(pickle.dumps(provider)).client.meta.config.read_timeout == 7


# --- no emulator needed ----------------------------------------------------------------------


def test_from_url_parts() -> None:
    options = {
        "endpoint_url": "http://127.0.0.1:9",
        "region_name": "eu-west-1",
        "max_pool_connections": "64",
        "codec": "orjson",
    }
    provider, prefix = S3Provider.from_url_parts("acme", "users/", options)
    assert prefix == "users/"
    assert options == {"codec": "orjson"}
    assert provider.bucket == "acme"
    assert provider.name == "s3://acme"
    assert "eu-west-1" in repr(provider)
    assert "127.0.0.1:9" in repr(provider)


def test_from_url_parts_create(s3_moto_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="boolean"):
        S3Provider.from_url_parts("b-1", "", {"create": "maybe"})
    lazy, _ = S3Provider.from_url_parts("b-1", "", {"create": "false"})
    assert lazy._clients.peek() is None  # no I/O without create=true
    # A URL carries no keys: they come from boto3's default chain, here the environment.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_moto_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_moto_server.secret_key)
    bucket = fresh_bucket()
    options = {"endpoint_url": s3_moto_server.url, "region_name": "us-east-1", "create": "1"}
    provider, prefix = S3Provider.from_url_parts(bucket, "data/", options)
    assert (prefix, options) == ("data/", {})
    provider.put("data/k", b"v", mode="create")
    assert [o.name for o in provider.list()] == ["data/k"]


def test_retry_conflicts_retries_only_409_conflicts() -> None:
    attempts: list[int] = []

    def conflicted_twice() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ClientError(
                {"Error": {"Code": "ConditionalRequestConflict"}},
                "PutObject",
            )
        return "ok"

    assert retry_conflicts(conflicted_twice) == "ok"
    assert len(attempts) == 3

    def failed() -> str:
        attempts.append(1)
        raise ClientError({"Error": {"Code": "PreconditionFailed"}}, "PutObject")

    attempts.clear()
    with pytest.raises(ClientError):
        retry_conflicts(failed)
    assert len(attempts) == 1


def test_client_kwargs_cannot_shadow_arguments() -> None:
    with pytest.raises(TypeError):
        S3Provider("b-1", client_kwargs={"endpoint_url": "http://x"})
