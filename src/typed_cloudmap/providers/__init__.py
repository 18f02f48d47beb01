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
from ._base import (
    CREATE,
    OVERWRITE,
    IfMatch,
    ObjectInfo,
    Provider,
    PutMode,
    PutOptions,
    PutRequest,
    StoredObject,
    SupportsBatchDelete,
    SupportsPoolSize,
    put_mode,
    put_request,
)
from ._registry import (
    _ASYNC_BUILTIN,
    _BUILTIN,
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
    "CREATE",
    "OVERWRITE",
    "AsyncAzureBlobProvider",
    "AsyncGCSProvider",
    "AsyncLocalProvider",
    "AsyncMemoryProvider",
    "AsyncProvider",
    "AsyncS3Provider",
    "AsyncSupportsBatchDelete",
    "AzureBlobProvider",
    "GCSProvider",
    "IfMatch",
    "LocalProvider",
    "MemoryProvider",
    "ObjectInfo",
    "Provider",
    "PutMode",
    "PutOptions",
    "PutRequest",
    "S3Provider",
    "StoredObject",
    "SupportsBatchDelete",
    "SupportsPoolSize",
    "async_provider_class",
    "ensure_async_provider",
    "ensure_sync_provider",
    "open_async_url",
    "open_url",
    "put_mode",
    "put_request",
    "register_provider",
]

_LAZY = {
    "S3Provider": _BUILTIN["s3"],
    "AzureBlobProvider": _BUILTIN["az"],
    "GCSProvider": _BUILTIN["gs"],
    "AsyncS3Provider": _ASYNC_BUILTIN["s3"],
    "AsyncAzureBlobProvider": _ASYNC_BUILTIN["az"],
    "AsyncGCSProvider": _ASYNC_BUILTIN["gs"],
}


def __getattr__(name: str) -> Any:
    builtin = _LAZY.get(name)
    if builtin is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = load_object(builtin.target, builtin)
    globals()[name] = value
    return value
