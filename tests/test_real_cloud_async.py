"""The async conformance suite against real buckets, with the same variables as
``test_real_cloud.py`` (``TCM_REAL_S3_BUCKET``, ``TCM_REAL_AZURE_CONTAINER``,
``TCM_REAL_GCS_BUCKET``); skipped when they are not set."""

from __future__ import annotations

import os

import pytest

from typed_cloudmap.providers import AsyncProvider
from typed_cloudmap.testing import AsyncProviderConformance

pytestmark = pytest.mark.real_cloud


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: no real bucket to test against")
    return value


class TestRealAsyncS3(AsyncProviderConformance):
    @pytest.fixture
    def provider(self) -> AsyncProvider:
        from typed_cloudmap.providers.async_s3 import AsyncS3Provider

        return AsyncS3Provider(_env("TCM_REAL_S3_BUCKET"))


class TestRealAsyncAzure(AsyncProviderConformance):
    @pytest.fixture
    def provider(self) -> AsyncProvider:
        from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider

        return AsyncAzureBlobProvider(_env("TCM_REAL_AZURE_CONTAINER"))


class TestRealAsyncGCS(AsyncProviderConformance):
    @pytest.fixture
    def provider(self) -> AsyncProvider:
        from typed_cloudmap.providers.async_gcs import AsyncGCSProvider

        return AsyncGCSProvider(_env("TCM_REAL_GCS_BUCKET"))
