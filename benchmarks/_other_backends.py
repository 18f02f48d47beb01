"""Raw SDK vs typed-cloudmap on Azure Blob (Azurite) and GCS (fake-gcs-server).

One 1 KB typed value, put and get, with the SDK's plainest calls as the baseline:
``upload_blob(overwrite=True)`` / ``download_blob().readall()`` and
``upload_from_string`` / ``download_as_bytes``, each plus bare pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from _payloads import ORDER, Order, order

from typed_cloudmap import CloudMapping

__all__ = ["azure_cases", "gcs_cases"]

Cases = dict[str, dict[str, Callable[[], object]]]


def _cases(raw_put: Callable[[bytes], object], raw_get: Callable[[], bytes], mapping: Any) -> Cases:
    value = order(1)
    mapping["k"] = value
    raw_put(ORDER.dump_json(value))

    def lib_put() -> None:
        mapping["k"] = value

    def lib_get() -> Order:
        got: Order = mapping["k"]
        return got

    return {
        "put 1 KB typed": {
            "raw SDK": lambda: raw_put(ORDER.dump_json(value)),
            "typed-cloudmap": lib_put,
        },
        "get 1 KB typed": {
            "raw SDK": lambda: ORDER.validate_json(raw_get()),
            "typed-cloudmap": lib_get,
        },
    }


def azure_cases(azurite: Any) -> Cases:
    """Cases on a fresh Azurite container (``azurite`` is the fixture's ``Azurite``)."""
    from azure.storage.blob import ContainerClient

    provider = azurite.provider()
    raw = ContainerClient.from_connection_string(
        azurite.connection_string, provider.container
    ).get_blob_client("raw")
    mapping = CloudMapping[str, Order](provider, sync_initially=False)
    return _cases(
        lambda data: raw.upload_blob(data, overwrite=True),
        lambda: raw.download_blob().readall(),
        mapping,
    )


def gcs_cases(fake_gcs: Any) -> Cases:
    """Cases on a fresh fake-gcs-server bucket (``fake_gcs`` is the fixture's ``FakeGCS``)."""
    import uuid

    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from typed_cloudmap.providers.gcs import GCSProvider

    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    provider = GCSProvider(
        bucket, project=fake_gcs.project, endpoint_url=fake_gcs.endpoint_url, create=True
    )
    client = storage.Client(
        project=fake_gcs.project,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": fake_gcs.endpoint_url},
    )
    raw = client.bucket(bucket).blob("raw")
    mapping = CloudMapping[str, Order](provider, sync_initially=False)
    return _cases(
        lambda data: raw.upload_from_string(data),
        lambda: raw.download_as_bytes(),
        mapping,
    )
