"""What the S3 emulator fixtures share: connection info and a provider factory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from typed_cloudmap.providers.s3 import S3Provider

from ._raw import RawS3

__all__ = ["MakeS3Provider", "S3Endpoint", "fresh_bucket"]


@dataclass(frozen=True)
class S3Endpoint:
    """Where an S3 emulator listens and the dummy keys it accepts."""

    url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client_kwargs(self) -> dict[str, Any]:
        return {"aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key}

    @property
    def origin(self) -> str:
        """``http://host:port``: where the emulator's requests go."""
        return self.url

    def via(self, origin: str) -> S3Endpoint:
        """The same emulator reached through ``origin`` (a proxy in front of it)."""
        return replace(self, url=origin)

    def raw(self, bucket: str) -> RawS3:
        """Raw access to ``bucket`` through a boto3 client of its own."""
        import boto3

        client = boto3.session.Session().client(
            "s3", endpoint_url=self.url, region_name=self.region, **self.client_kwargs()
        )
        return RawS3(client, bucket)

    def provider(self, bucket: str, *, create: bool = True, **kwargs: Any) -> S3Provider:
        return S3Provider(
            bucket,
            endpoint_url=self.url,
            region_name=self.region,
            create=create,
            client_kwargs=self.client_kwargs(),
            **kwargs,
        )


@dataclass(frozen=True)
class MakeS3Provider:
    """Zero-argument factory: each call makes a provider on a fresh bucket (picklable)."""

    endpoint: S3Endpoint
    transport: str = "sdk"

    def __call__(self) -> S3Provider:
        return self.endpoint.provider(fresh_bucket(), transport=self.transport)


def fresh_bucket() -> str:
    return f"tcm-{uuid.uuid4().hex[:20]}"
