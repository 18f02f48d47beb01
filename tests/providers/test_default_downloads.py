"""Objects the mapping writes read back with each cloud SDK's default download call.

``get_object()["Body"].read()`` (boto3), ``download_blob().readall()`` (azure-storage-blob)
and ``blob.download_as_bytes()`` (google-cloud-storage) must return exactly the stored bytes
for every built-in stack, without error. A ``Content-Encoding`` of ``deflate`` or ``zstd``
would make the HTTP client decode the body first (GCS then raises ``DataCorruption``, Azure
returns other bytes, urllib3 decodes ``zstd`` whenever a zstd module is importable), so the
mapping sets none; these tests run with ``backports.zstd`` installed (Python < 3.14) or the
standard library's ``compression.zstd`` (3.14+) to prove urllib3's own zstd decoding is off.
"""

from __future__ import annotations

import importlib.util
import sys
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from typed_cloudmap import CloudMapping, Provider

# (stack, value type, value): every built-in serializer and transform, alone and chained.
_STACKS: list[tuple[str, Any, Any]] = [
    ("orjson", dict[str, int], {"a": 1}),
    ("json", dict[str, int], {"a": 1}),
    ("orjson|zlib", dict[str, int], {"a": 1, "b": 2}),
    ("orjson|zstd", dict[str, int], {"a": 1, "b": 2}),
    ("json|zlib|zstd", dict[str, int], {"a": 1}),
    ("str|zstd", str, "text " * 50),
    ("raw|zlib", bytes, b"\x00\x01" * 100),
    ("orjson|zstd|hmac:key=k-0123456789abcdef", dict[str, int], {"a": 1}),
]


def _zstd_module_present() -> bool:
    name = "compression.zstd" if sys.version_info >= (3, 14) else "backports.zstd"
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_urllib3_would_decode_zstd_here() -> None:
    """The precondition of this module: urllib3 can decode ``Content-Encoding: zstd``."""
    assert _zstd_module_present(), "install the test extra (backports.zstd)"
    from urllib3.response import HAS_ZSTD

    assert HAS_ZSTD


def _s3_default(provider: Provider, name: str) -> bytes:
    client: Any = provider.client  # type: ignore[attr-defined]  # S3Provider's boto3 client
    body: bytes = client.get_object(Bucket=provider.bucket, Key=name)["Body"].read()  # type: ignore[attr-defined]
    return body


def _gcs_default(provider: Provider, name: str, endpoint: str, project: str) -> bytes:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(
        project=project,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": endpoint},
    )
    data: bytes = client.bucket(provider.bucket).blob(name).download_as_bytes()  # type: ignore[attr-defined]
    return data


def _azure_default(provider: Provider, name: str, connection_string: str) -> bytes:
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(connection_string)
    blob = service.get_blob_client(provider.container, name)  # type: ignore[attr-defined]
    data: bytes = blob.download_blob().readall()
    return data


@pytest.fixture(params=["s3-moto", "gcs-fake", "azure-azurite"])
def backend(request: pytest.FixtureRequest) -> tuple[Provider, Callable[[str], bytes]]:
    """A fresh provider on an emulator and that SDK's default download of one object."""
    if request.param == "s3-moto":
        provider: Provider = request.getfixturevalue("s3_moto_make_provider")()
        return provider, lambda name: _s3_default(provider, name)
    if request.param == "gcs-fake":
        gcs = request.getfixturevalue("fake_gcs")
        provider = request.getfixturevalue("fake_gcs_make_provider")()
        return provider, lambda name: _gcs_default(provider, name, gcs.endpoint_url, gcs.project)
    azurite = request.getfixturevalue("azurite")
    provider = azurite.provider()
    return provider, lambda name: _azure_default(provider, name, azurite.connection_string)


@pytest.mark.parametrize(("stack", "value_type", "value"), _STACKS, ids=[s[0] for s in _STACKS])
def test_sdk_default_download_returns_the_stored_bytes(
    backend: tuple[Provider, Callable[[str], bytes]], stack: str, value_type: Any, value: Any
) -> None:
    provider, default_download = backend
    mapping = CloudMapping[str, value_type](provider, prefix="p/", codec=stack)  # type: ignore[valid-type]
    mapping["k"] = value
    stored = provider.get("p/k")
    assert stored is not None
    assert stored.content_encoding is None
    assert stored.metadata["tcm_codec"] == mapping.codec.name
    assert default_download("p/k") == stored.data
    assert mapping["k"] == value


@pytest.mark.parametrize("encoding", ["deflate", "zstd"])
def test_control_an_http_content_encoding_breaks_default_downloads(
    request: pytest.FixtureRequest,
    backend: tuple[Provider, Callable[[str], bytes]],
    encoding: str,
) -> None:
    """Why the rule exists: under ``Content-Encoding`` the GCS and Azure SDKs do not return the
    stored bytes (this proves the test above can fail); botocore never decodes bodies."""
    provider, default_download = backend
    import zstandard

    raw = b"payload " * 64
    data = zlib.compress(raw) if encoding == "deflate" else zstandard.compress(raw)
    provider.put("c/k", data, content_encoding=encoding)
    try:
        got = default_download("c/k")
    except Exception:
        return
    if request.node.callspec.params["backend"] == "s3-moto":
        assert got == data
    else:
        assert got == raw
