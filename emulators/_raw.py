"""Raw access to an emulator's objects through the SDK directly, bypassing the providers.

Each class has the shape of ``typed_cloudmap.testing.RawAccess`` (``read``, ``write``,
``metadata``), without importing it: the conformance suite's ``test_raw_*`` checks use them
as the second, independent path to what a provider stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RawAzure", "RawGCS", "RawS3"]


class RawS3:
    """A boto3 client of its own on one bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def read(self, name: str) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise KeyError(name) from None
        return body

    def write(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data)

    def metadata(self, name: str) -> Mapping[str, str] | None:
        meta: dict[str, str] = self.client.head_object(Bucket=self.bucket, Key=name)["Metadata"]
        return meta


class RawAzure:
    """An azure-storage-blob ``ContainerClient`` of its own."""

    def __init__(self, container: Any) -> None:
        self.container = container

    def read(self, name: str) -> bytes:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            data: bytes = self.container.get_blob_client(name).download_blob().readall()
        except ResourceNotFoundError:
            raise KeyError(name) from None
        return data

    def write(self, name: str, data: bytes) -> None:
        self.container.get_blob_client(name).upload_blob(data, overwrite=True)

    def metadata(self, name: str) -> Mapping[str, str] | None:
        meta: dict[str, str] = self.container.get_blob_client(name).get_blob_properties().metadata
        return meta


class RawGCS:
    """A google-cloud-storage bucket handle of its own (anonymous, on the emulator)."""

    def __init__(self, bucket: Any) -> None:
        self.bucket = bucket

    def read(self, name: str) -> bytes:
        from google.api_core.exceptions import NotFound

        try:
            data: bytes = self.bucket.blob(name).download_as_bytes()
        except NotFound:
            raise KeyError(name) from None
        return data

    def write(self, name: str, data: bytes) -> None:
        self.bucket.blob(name).upload_from_string(data)

    def metadata(self, name: str) -> Mapping[str, str] | None:
        blob = self.bucket.get_blob(name)
        meta: dict[str, str] = dict(blob.metadata or {}) if blob is not None else {}
        return meta
