"""AzureBlobProvider on Azurite: the conformance suite plus Azure-specific behaviour."""

from __future__ import annotations

import gzip
import logging
import math
import multiprocessing
import pickle
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from _wire import Wire, wired_provider
from emulators.azurite import ACCOUNT_KEY, Azurite
from typed_cloudmap.errors import KeySyncError, ProviderError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers._base import ObjectInfo, Provider, StoredObject, SupportsBatchDelete
from typed_cloudmap.providers._registry import open_url
from typed_cloudmap.providers.azure import AzureBlobProvider
from typed_cloudmap.testing import ProviderConformance, RawAccess


class TestAzureBlobProvider(ProviderConformance):
    @pytest.fixture
    def provider(self, azure_make_provider: Callable[[], AzureBlobProvider]) -> Iterator[Provider]:
        provider = azure_make_provider()
        yield provider
        provider.close()

    @pytest.fixture
    def raw(self, provider: AzureBlobProvider, azurite: Azurite) -> RawAccess:
        return azurite.raw(provider.container)


class TestAzureBlobProviderObstore(ProviderConformance):
    """The same suite on ``transport="obstore"`` (deletes still go through the SDK)."""

    @pytest.fixture
    def provider(
        self, azurite_obstore_make_provider: Callable[[], AzureBlobProvider]
    ) -> Iterator[Provider]:
        provider = azurite_obstore_make_provider()
        yield provider
        provider.close()


@pytest.fixture
def counted(azurite: Azurite) -> Iterator[tuple[AzureBlobProvider, Wire]]:
    """A provider on a fresh container whose HTTP requests are logged (see ``tests/_wire``)."""
    with wired_provider(azurite, Azurite.provider) as pair:
        yield pair


# --- URLs -------------------------------------------------------------------------------


def test_from_url_parts_takes_its_options_and_leaves_the_rest() -> None:
    options = {
        "account_url": "https://acct.blob.core.windows.net",
        "max_connections": "32",
        "codec": "orjson|zstd",
    }
    provider, prefix = AzureBlobProvider.from_url_parts("box", "users/v1/", options)
    assert prefix == "users/v1/"
    assert options == {"codec": "orjson|zstd"}
    assert provider.name == "az://box"
    assert provider.container == "box"
    assert provider.endpoint == "https://acct.blob.core.windows.net"


def test_from_url_parts_account_name() -> None:
    provider, prefix = AzureBlobProvider.from_url_parts("box", "", {"account_name": "acct"})
    assert prefix == ""
    assert provider.endpoint == "https://acct.blob.core.windows.net"


def test_from_url_parts_uses_environment_and_creates(
    azurite: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    container = f"tcm-url-{uuid.uuid4().hex[:12]}"
    provider, prefix = AzureBlobProvider.from_url_parts(container, "p/", {"create": "true"})
    assert prefix == "p/"
    assert provider.endpoint == azurite.endpoint
    provider.put("p/x", b"1", mode="create")
    assert [o.name for o in provider.list("p/")] == ["p/x"]


def test_open_url(azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    container = f"tcm-url-{uuid.uuid4().hex[:12]}"
    provider, prefix, rest = open_url(f"az://{container}/users%20x/?create=yes&codec=orjson")
    assert isinstance(provider, AzureBlobProvider)
    assert (provider.name, prefix, rest) == (f"az://{container}", "users x/", {"codec": "orjson"})
    with pytest.raises(ValueError, match="create"):
        open_url(f"az://{container}/?create=maybe")


def test_no_account_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_ACCOUNT_URL",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT",
    ):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="account_url= or connection_string="):
        AzureBlobProvider("box")


# --- requests per operation -------------------------------------------------------------


def _outcome(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
    """The call's result, or the missing-key / conflict error it raised."""
    try:
        return fn(*args, **kwargs)
    except (KeyError, KeySyncError) as exc:
        return exc


def test_one_request_per_single_object_operation(
    counted: tuple[AzureBlobProvider, Wire],
) -> None:
    provider, wire = counted
    etag = provider.put("k", b"v1", mode="create", metadata={"tcm_token": "t"})
    assert [m for m, _ in wire.take()] == ["PUT"]
    etag2 = provider.put("k", b"v2", mode=IfMatch(etag))
    steps: list[tuple[str, Callable[[], object], type | None]] = [
        ("put stale", lambda: _outcome(provider.put, "k", b"x", mode=IfMatch(etag)), KeySyncError),
        ("put exists", lambda: _outcome(provider.put, "k", b"x", mode="create"), KeySyncError),
        ("put plain", lambda: provider.put("other", b"x"), str),
        ("get", lambda: provider.get("k"), StoredObject),
        ("get 304", lambda: provider.get("k", if_none_match=etag2), type(None)),
        ("get if_match", lambda: provider.get("k", if_match=etag2), StoredObject),
        ("get stale", lambda: _outcome(provider.get, "k", if_match=etag), KeySyncError),
        ("head", lambda: provider.head("k"), ObjectInfo),
        ("get missing", lambda: _outcome(provider.get, "nope"), KeyError),
        ("delete stale", lambda: _outcome(provider.delete, "k", if_match=etag), KeySyncError),
        ("list", lambda: list(provider.list()), list),
        ("delete", lambda: provider.delete("k", if_match=etag2), type(None)),
    ]
    wire.take()
    for label, step, expected in steps:
        assert isinstance(step(), expected), label
        assert len(wire.take()) == 1, label


def test_pagination_and_batch_delete_request_counts(
    counted: tuple[AzureBlobProvider, Wire], azurite: Azurite
) -> None:
    provider, wire = counted
    direct = azurite.provider(provider.container)
    n = 1001
    names = [f"many/{i:05d}" for i in range(n)]
    with ThreadPoolExecutor(16) as pool:
        etags = list(pool.map(lambda name: direct.put(name, b"x", mode="create"), names))

    listed = [o.name for o in provider.list("many/")]
    assert listed == names
    assert len(wire.take()) == math.ceil(n / 5000)  # the service's page holds 5000

    provider.list_page_size = 1000
    listed = [o.name for o in provider.list("many/")]
    assert listed == names
    assert len(wire.take()) == math.ceil(n / 1000)

    failures = provider.delete_many(list(zip(names, etags, strict=True)))
    assert failures == {}
    assert len(wire.take()) == math.ceil(n / 256)  # Blob Batch takes 256 sub-requests
    assert list(provider.list("many/")) == []


def test_provider_satisfies_protocols(azure_make_provider: Callable[[], AzureBlobProvider]) -> None:
    provider = azure_make_provider()
    assert isinstance(provider, Provider)
    assert isinstance(provider, SupportsBatchDelete)


def test_batch_delete_reports_each_failure(
    azure_make_provider: Callable[[], AzureBlobProvider],
) -> None:
    provider = azure_make_provider()
    e1 = provider.put("a", b"1", mode="create")
    provider.put("a", b"2", mode=IfMatch(e1))
    e2 = provider.put("b", b"1", mode="create")
    failures = provider.delete_many([("a", e1), ("b", e2), ("gone", None), ("gone2", e2)])
    assert set(failures) == {"a", "gone", "gone2"}
    assert isinstance(failures["a"], KeySyncError)
    assert isinstance(failures["gone"], KeyError)
    assert isinstance(failures["gone2"], KeySyncError)


def test_empty_blob_get_costs_two_requests(
    counted: tuple[AzureBlobProvider, Wire],
) -> None:
    # The SDK's first GET asks for a byte range, which an empty blob answers with 416;
    # it then repeats the GET without a range. Documented; every other get is one request.
    provider, wire = counted
    provider.put("empty", b"", mode="create")
    wire.take()
    got = provider.get("empty")
    assert got is not None
    assert got.data == b""
    assert len(wire.take()) == 2


def test_chunked_upload_keeps_its_conditions(azurite: Azurite) -> None:
    # Small limits make the SDK stage blocks and commit a block list; the condition rides
    # on the commit, so a conflicting chunked write still changes nothing.
    limits = {"max_single_put_size": 1024, "max_block_size": 512}
    big1, big2 = b"1" * 3000, b"2" * 3000
    with wired_provider(azurite, lambda proxied: proxied.provider(client_kwargs=limits)) as pair:
        provider, wire = pair
        etag = provider.put("big", big1, mode="create")
        assert len(wire.take()) > 2  # staged blocks plus the commit
        with pytest.raises(KeySyncError):
            provider.put("big", big2, mode="create")
        etag2 = provider.put("big", big2, mode=IfMatch(etag))
        with pytest.raises(KeySyncError):
            provider.put("big", big1, mode=IfMatch(etag))
        got = provider.get("big")
        assert got is not None
        assert (got.data, got.etag) == (big2, etag2)


@pytest.mark.parametrize(("max_connections", "overflows"), [(16, False), (2, True)])
def test_connection_pool_size(
    azurite: Azurite, caplog: pytest.LogCaptureFixture, max_connections: int, overflows: bool
) -> None:
    # urllib3 logs "Connection pool is full" when more connections are open than it may keep.
    provider = azurite.provider(max_connections=max_connections)
    provider.put("k", b"v")
    caplog.set_level(logging.WARNING, logger="urllib3.connectionpool")
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: provider.get("k"), range(160)))
    full = [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert bool(full) == overflows
    provider.close()


# --- data fidelity ----------------------------------------------------------------------


def test_content_encoding_is_not_decoded_on_read(
    azure_make_provider: Callable[[], AzureBlobProvider],
) -> None:
    provider = azure_make_provider()
    packed = gzip.compress(b"hello" * 100)
    provider.put("g", packed, content_type="text/plain", content_encoding="gzip")
    got = provider.get("g")
    assert got is not None
    assert got.data == packed
    assert got.content_encoding == "gzip"


def test_etags_are_quoted_everywhere(azure_make_provider: Callable[[], AzureBlobProvider]) -> None:
    provider = azure_make_provider()
    etag = provider.put("e", b"1", mode="create")
    assert etag.startswith('"')
    assert etag.endswith('"')
    (listed,) = provider.list()
    assert listed.etag == etag
    # An unquoted etag (as some tools print them) is accepted as the same version.
    assert provider.get("e", if_none_match=etag.strip('"')) is None


# --- errors and secrets -----------------------------------------------------------------


def test_missing_container_is_a_provider_error(azurite: Azurite) -> None:
    provider = azurite.provider(container="never-created")
    for call in (
        lambda: provider.get("k"),
        lambda: provider.head("k"),
        lambda: provider.put("k", b"v", mode="create"),
        lambda: provider.put("k", b"v", mode=IfMatch('"0x1"')),
        lambda: provider.delete("k"),
        lambda: list(provider.list()),
    ):
        with pytest.raises(ProviderError) as info:
            call()
        assert info.value.provider == "az://never-created"
        assert "ContainerNotFound" in str(info.value)
        assert info.value.__cause__ is not None


def test_unreachable_endpoint_is_a_provider_error() -> None:
    account = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    conn = f"{account}AccountKey={ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
    provider = AzureBlobProvider("box", connection_string=conn, client_kwargs={"retry_total": 0})
    with pytest.raises(ProviderError) as info:
        provider.get("k")
    assert "az://box" in str(info.value)
    assert ACCOUNT_KEY not in str(info.value)


def test_secrets_never_shown(azurite: Azurite) -> None:
    wrong_key = "V1JPTkcta2V5LW5vdC10aGUtcmVhbC1vbmUtYXQtYWxsLTEyMzQ1Njc4OTA="
    conn = azurite.connection_string.replace(ACCOUNT_KEY, wrong_key)
    provider = AzureBlobProvider("box", connection_string=conn)
    for text in (repr(provider), provider.name):
        assert wrong_key not in text
        assert "AccountKey" not in text
    with pytest.raises(ProviderError) as info:
        provider.get("k")
    assert wrong_key not in str(info.value)
    assert "403" in str(info.value)

    sas_url = f"{azurite.endpoint}?sv=2024-01-01&sp=r&sig=SECRETSIGNATURE%3D"
    sas = AzureBlobProvider("box", account_url=sas_url)
    assert "SECRETSIGNATURE" not in repr(sas) + sas.name
    with pytest.raises(ProviderError) as info:
        sas.get("k")
    assert "SECRETSIGNATURE" not in str(info.value)


def test_no_credential_without_azure_identity_says_how_to_fix(azurite: Azurite) -> None:
    pytest.importorskip("azure.storage.blob")
    try:
        import azure.identity  # noqa: F401  # only probing whether it is installed
    except ImportError:
        pass
    else:
        pytest.skip("azure-identity is installed: the default chain is used instead")
    provider = AzureBlobProvider("box", account_url=azurite.endpoint)
    with pytest.raises(ProviderError, match="azure-identity"):
        provider.get("k")


# --- processes ----------------------------------------------------------------------------


def _read_in_child(blob: bytes) -> bytes:
    provider = pickle.loads(blob)
    got = provider.get("shared")
    provider.put("from-child", b"child", mode="create")
    return bytes(got.data)


def test_pickled_provider_works_in_another_process(
    azure_make_provider: Callable[[], AzureBlobProvider],
) -> None:
    provider = azure_make_provider()
    provider.put("shared", b"parent", mode="create")
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        assert pool.apply(_read_in_child, (pickle.dumps(provider),)) == b"parent"
    got = provider.get("from-child")
    assert got is not None
    assert got.data == b"child"
