"""The conformance suite against real buckets, when credentials are in the environment.

Set any of these to run (skipped otherwise; the SDKs' own credential chains apply):
``TCM_REAL_S3_BUCKET`` (with the usual AWS variables), ``TCM_REAL_AZURE_CONTAINER`` (with
``AZURE_STORAGE_CONNECTION_STRING`` or ``AZURE_STORAGE_ACCOUNT_URL``), ``TCM_REAL_GCS_BUCKET``
(with Application Default Credentials).
"""

from __future__ import annotations

import os

import pytest

from typed_cloudmap import Provider
from typed_cloudmap.testing import ProviderConformance

pytestmark = pytest.mark.real_cloud


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: no real bucket to test against")
    return value


class TestRealS3(ProviderConformance):
    @pytest.fixture
    def provider(self) -> Provider:
        from typed_cloudmap.providers.s3 import S3Provider

        return S3Provider(_env("TCM_REAL_S3_BUCKET"))


class TestRealAzure(ProviderConformance):
    @pytest.fixture
    def provider(self) -> Provider:
        from typed_cloudmap.providers.azure import AzureBlobProvider

        return AzureBlobProvider(_env("TCM_REAL_AZURE_CONTAINER"))


class TestRealGCS(ProviderConformance):
    @pytest.fixture
    def provider(self) -> Provider:
        from typed_cloudmap.providers.gcs import GCSProvider

        return GCSProvider(_env("TCM_REAL_GCS_BUCKET"))
