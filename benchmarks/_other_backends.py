"""Raw SDK, raw obstore and typed-cloudmap on Azure Blob (Azurite) and GCS (fake-gcs-server).

Each system offers ``put``/``get`` of one 1 KB typed value and ``get_many`` of a bulk set.
The raw SDK rows use the SDK's plainest calls (``upload_blob(overwrite=True)`` /
``download_blob().readall()``; ``upload_from_string`` / ``download_as_bytes``) plus bare
pydantic, with a 16-thread pool for bulk; raw obstore (Azure only: its GCS client speaks
the XML API, which fake-gcs-server does not implement) does the same through ``obstore``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from typed_cloudmap import CloudMapping

from ._payloads import ORDER, Order

__all__ = ["THREADS", "Ops", "azure_systems", "gcs_systems", "obstore_ops", "raw_ops"]

THREADS = 16


@dataclass
class Ops:
    """One system's operations on its own bucket or container."""

    put: Callable[[str, Order], object]
    get: Callable[[str], Order]
    get_many: Callable[[list[str]], object]
    closers: list[Callable[[], object]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()


def raw_ops(put: Callable[[str, bytes], object], get: Callable[[str], bytes]) -> Ops:
    """Ops over raw byte calls: bare pydantic, and a thread pool for bulk reads."""
    pool = ThreadPoolExecutor(THREADS)

    def get_one(key: str) -> Order:
        return ORDER.validate_json(get(key))

    return Ops(
        put=lambda key, value: put(key, ORDER.dump_json(value)),
        get=get_one,
        get_many=lambda keys: dict(zip(keys, pool.map(get_one, keys), strict=True)),
        closers=[pool.shutdown],
    )


def obstore_ops(store: Any) -> Ops:
    """Ops over an obstore store (``obstore.put`` / ``obstore.get(...).bytes()``)."""
    import obstore

    return raw_ops(
        lambda key, data: obstore.put(store, key, data),
        lambda key: bytes(obstore.get(store, key).bytes()),
    )


def mapping_ops(mapping: CloudMapping[str, Order]) -> Ops:
    def put(key: str, value: Order) -> None:
        mapping[key] = value

    def get(key: str) -> Order:
        got: Order = mapping[key]
        return got

    return Ops(put=put, get=get, get_many=mapping.get_many, closers=[mapping.close])


def azure_systems(azurite: Any) -> tuple[dict[str, Ops], list[str]]:
    """(systems, notes) on fresh Azurite containers (``azurite`` is an ``emulators.Azurite``)."""
    from azure.storage.blob import ContainerClient

    from emulators.azurite import ACCOUNT, ACCOUNT_KEY

    def raw() -> Ops:
        provider = azurite.provider()  # creates the container
        container = ContainerClient.from_connection_string(
            azurite.connection_string, provider.container
        )
        return raw_ops(
            lambda key, data: container.get_blob_client(key).upload_blob(data, overwrite=True),
            lambda key: container.get_blob_client(key).download_blob().readall(),
        )

    systems = {"raw SDK": raw(), "raw SDK again (A/A control)": raw()}
    notes: list[str] = []
    try:
        from obstore.store import AzureStore

        provider = azurite.provider()
        store = AzureStore(
            provider.container,
            account_name=ACCOUNT,
            account_key=ACCOUNT_KEY,
            endpoint=azurite.endpoint,
            client_options={"allow_http": True},
        )
        systems["raw obstore"] = obstore_ops(store)
    except ImportError:
        notes.append("Azure: obstore is not installed; its rows are left out")
    systems["typed-cloudmap"] = mapping_ops(
        CloudMapping[str, Order](azurite.provider(), sync_initially=False)
    )
    return systems, notes


def gcs_systems(fake_gcs: Any) -> tuple[dict[str, Ops], list[str]]:
    """(systems, notes) on fresh fake-gcs-server buckets (``fake_gcs``: a ``FakeGCS``)."""
    import requests.adapters
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    def raw() -> Ops:
        bucket = f"bench-{uuid.uuid4().hex[:12]}"
        fake_gcs.provider(bucket, create=True)  # creates the bucket
        client = storage.Client(
            project=fake_gcs.project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth is unannotated
            client_options={"api_endpoint": fake_gcs.endpoint_url},
        )
        # As a user running 16 threads would: the default pool keeps 10 connections.
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=THREADS)
        client._http.mount("http://", adapter)
        handle = client.bucket(bucket)
        return raw_ops(
            lambda key, data: handle.blob(key).upload_from_string(data),
            lambda key: handle.blob(key).download_as_bytes(),
        )

    systems = {"raw SDK": raw(), "raw SDK again (A/A control)": raw()}
    systems["typed-cloudmap"] = mapping_ops(
        CloudMapping[str, Order](fake_gcs.provider(), sync_initially=False)
    )
    notes = [
        "GCS: no raw obstore row (its client speaks the XML API, which fake-gcs-server "
        "answers with 400 invalid uploadType)"
    ]
    return systems, notes
