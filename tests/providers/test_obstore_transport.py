"""``transport="obstore"`` beyond the conformance suite: what goes which way, and why.

The suite itself runs on both transports in ``test_s3.py`` and ``test_azure.py``; these tests
pin what only the obstore transport has: the per-call choice of path (conditional deletes,
names obstore would rewrite and multipart values stay on the SDK), the shared store of
unpickled copies, URLs, credentials and the GCS refusal.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from typing import Any

import pytest

from emulators._s3 import MakeS3Provider, S3Endpoint, fresh_bucket
from emulators.azurite import Azurite
from typed_cloudmap import CloudMapping, open_url
from typed_cloudmap.errors import KeySyncError, MissingDependencyError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers.azure import AzureBlobProvider
from typed_cloudmap.providers.gcs import GCSProvider
from typed_cloudmap.providers.s3 import S3Provider

FACTORIES = ["s3_moto_obstore_make_provider", "azurite_obstore_make_provider"]


@pytest.fixture(params=FACTORIES)
def fast(request: pytest.FixtureRequest) -> Any:
    make: Callable[[], Any] = request.getfixturevalue(request.param)
    return make()


def test_requests_go_through_obstore(fast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gets, heads and puts never touch the SDK client; deletes and listings do."""
    etag = fast.put("t/a", b"1", mode="create", metadata={"k": "v"}, content_type="text/x")
    opened: list[str] = []
    original = fast._clients.get

    def counting() -> Any:
        opened.append("sdk")
        return original()

    monkeypatch.setattr(fast._clients, "get", counting)
    got = fast.get("t/a")
    assert (got.data, got.etag, dict(got.metadata), got.content_type) == (
        b"1",
        etag,
        {"k": "v"},
        "text/x",
    )
    assert fast.get("t/a", if_none_match=etag) is None
    assert fast.head("t/a").metadata == {"k": "v"}
    new = fast.put("t/a", b"2", mode=IfMatch(etag))
    assert opened == []
    assert [o.etag for o in fast.list("t/")] == [new]
    with pytest.raises(KeySyncError):
        fast.delete("t/a", if_match=etag)  # stale: the condition held on the server
    fast.delete("t/a", if_match=new)
    assert opened  # the conditional delete went through the SDK
    assert list(fast.list("t/")) == []


@pytest.mark.parametrize("name", ["odd//name", "/leading", "trailing/"])
def test_names_obstore_would_rewrite_take_the_sdk_path(fast: Any, name: str) -> None:
    """object_store normalises these paths; the SDK stores them as given."""
    etag = fast.put(name, b"x", mode="create")
    got = fast.get(name)
    assert got is not None
    assert (got.data, got.etag) == (b"x", etag)
    assert fast.head(name).etag == etag
    with pytest.raises(KeySyncError):
        fast.put(name, b"y", mode="create")


# Names another tool may store that obstore cannot parse in a listing. Azure has no blobs
# with "." or ".." segments (its URLs resolve them), so those are S3's alone.
ODD_NAMES = [
    *(("s3_moto_obstore_make_provider", n) for n in ("p/./c", "p/../e", "p/a//b", "p/d/")),
    *(("azurite_obstore_make_provider", n) for n in ("p/a//b", "p/d/")),
]


@pytest.mark.parametrize(("factory", "name"), ODD_NAMES)
def test_a_name_obstore_refuses_does_not_break_the_listing(
    factory: str, name: str, request: pytest.FixtureRequest
) -> None:
    """Another tool may store any name; one obstore cannot parse (it refuses the whole
    listing) must not make the store unlistable on this transport."""
    fast = request.getfixturevalue(factory)()
    fast.put(name, b"x")  # the SDK path: obstore would rewrite the name
    fast.put("p/z", b"y")
    assert sorted(o.name for o in fast.list("p/")) == sorted([name, "p/z"])


def test_list_prefix_inside_a_segment(fast: Any) -> None:
    """obstore lists whole segments; a prefix ending inside one still means string prefix."""
    for name in ("p/ab", "p/ac", "p/b", "pq"):
        fast.put(name, b"1")
    assert sorted(o.name for o in fast.list("p/a")) == ["p/ab", "p/ac"]
    assert sorted(o.name for o in fast.list("p")) == ["p/ab", "p/ac", "p/b", "pq"]


def test_large_conditional_value_keeps_its_condition(s3_moto_server: S3Endpoint) -> None:
    """Over the multipart threshold the SDK's conditional multipart upload is used."""
    provider = s3_moto_server.provider(
        fresh_bucket(), transport="obstore", multipart_threshold=8 * 1024**2
    )
    big = bytes(range(256)) * (9 * 4096)  # 9 MiB
    etag = provider.put("big", big, mode="create")
    with pytest.raises(KeySyncError):
        provider.put("big", big, mode="create")
    got = provider.get("big")
    assert got is not None
    assert (len(got.data), got.etag) == (len(big), etag)


@pytest.mark.parametrize("factory", FACTORIES)
def test_copies_share_one_store(factory: str, request: pytest.FixtureRequest) -> None:
    original: Any = request.getfixturevalue(factory)()
    original.put("s/a", b"1")
    first, second = pickle.loads(pickle.dumps(original)), pickle.loads(pickle.dumps(original))
    assert first.transport == second.transport == "obstore"
    assert first.get("s/a").data == second.get("s/a").data == b"1"
    assert first._fast._stores.peek() is second._fast._stores.peek() is not None
    first.close()
    assert second.get("s/a") is not None
    assert original._fast._stores.peek() is not second._fast._stores.peek()


def test_url_option(s3_moto_server: S3Endpoint, azurite: Azurite) -> None:
    bucket = fresh_bucket()
    s3_moto_server.provider(bucket)
    mapping = CloudMapping[str, str].from_url(
        f"s3://{s3_moto_server.access_key}:{s3_moto_server.secret_key}@{bucket}/x/"
        f"?endpoint_url={s3_moto_server.url}&region_name=us-east-1&transport=obstore",
        codec="str",
    )
    assert mapping.provider.transport == "obstore"  # type: ignore[attr-defined]
    mapping["k"] = "v"
    assert (
        S3Provider(
            bucket,
            endpoint_url=s3_moto_server.url,
            region_name="us-east-1",
            client_kwargs=s3_moto_server.client_kwargs(),
        ).get("x/k")
        is not None
    )
    provider = open_url(f"s3://{bucket}/?transport=sdk")[0]
    assert provider.transport == "sdk"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="transport must be one of"):
        open_url(f"s3://{bucket}/?transport=fast")


def test_azure_credentials_from_an_account_key(azurite: Azurite) -> None:
    """An account URL plus a key string signs obstore's requests as it does the SDK's."""
    from emulators.azurite import ACCOUNT_KEY

    sdk = azurite.provider()
    fast = AzureBlobProvider(
        sdk.container, account_url=azurite.endpoint, credential=ACCOUNT_KEY, transport="obstore"
    )
    etag = fast.put("k", b"v", mode="create")
    got = sdk.get("k")
    assert got is not None
    assert got.etag == etag


def test_gcs_refuses_obstore() -> None:
    with pytest.raises(ValueError, match="XML API"):
        GCSProvider("bucket", transport="obstore")
    with pytest.raises(ValueError, match="XML API"):
        open_url("gs://bucket/?transport=obstore")


def test_missing_obstore_names_the_extra(
    s3_moto_make_provider: MakeS3Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in [m for m in sys.modules if m == "obstore" or m.startswith("obstore.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.delitem(sys.modules, "typed_cloudmap.providers._obstore", raising=False)
    monkeypatch.setitem(sys.modules, "obstore", None)
    with pytest.raises(MissingDependencyError, match=r"typed-cloudmap\[obstore\]"):
        S3Provider("bucket", transport="obstore")
