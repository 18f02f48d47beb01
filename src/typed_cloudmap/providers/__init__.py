"""Providers: where bytes and etags live.

``MemoryProvider`` and ``LocalProvider`` need nothing beyond the standard library. The cloud
providers load on first access (``from typed_cloudmap.providers import S3Provider``), so
their SDKs are imported only when used; a missing SDK raises ``MissingDependencyError``
naming the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._async_base import (
    AsyncProvider,
    AsyncSupportsBatchDelete,
    ensure_async_provider,
    ensure_sync_provider,
)
from ._base import ObjectInfo, Provider, StoredObject, SupportsBatchDelete, SupportsPoolSize
from ._registry import (
    async_provider_class,
    load_object,
    open_async_url,
    open_url,
    register_provider,
)
from .async_local import AsyncLocalProvider
from .async_memory import AsyncMemoryProvider
from .local import LocalProvider
from .memory import MemoryProvider

if TYPE_CHECKING:
    from .async_azure import AsyncAzureBlobProvider
    from .async_gcs import AsyncGCSProvider
    from .async_s3 import AsyncS3Provider
    from .azure import AzureBlobProvider
    from .gcs import GCSProvider
    from .s3 import S3Provider

__all__ = [
    "AsyncAzureBlobProvider",
    "AsyncGCSProvider",
    "AsyncLocalProvider",
    "AsyncMemoryProvider",
    "AsyncProvider",
    "AsyncS3Provider",
    "AsyncSupportsBatchDelete",
    "AzureBlobProvider",
    "GCSProvider",
    "LocalProvider",
    "MemoryProvider",
    "ObjectInfo",
    "Provider",
    "S3Provider",
    "StoredObject",
    "SupportsBatchDelete",
    "SupportsPoolSize",
    "async_provider_class",
    "ensure_async_provider",
    "ensure_sync_provider",
    "open_async_url",
    "open_url",
    "register_provider",
]

_LAZY = {
    "S3Provider": "typed_cloudmap.providers.s3:S3Provider",
    "AzureBlobProvider": "typed_cloudmap.providers.azure:AzureBlobProvider",
    "GCSProvider": "typed_cloudmap.providers.gcs:GCSProvider",
    "AsyncS3Provider": "typed_cloudmap.providers.async_s3:AsyncS3Provider",
    "AsyncAzureBlobProvider": "typed_cloudmap.providers.async_azure:AsyncAzureBlobProvider",
    "AsyncGCSProvider": "typed_cloudmap.providers.async_gcs:AsyncGCSProvider",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = load_object(target)
    globals()[name] = value
    return value
