"""Providers: where bytes and etags live.

``MemoryProvider`` and ``LocalProvider`` need nothing beyond the standard library. The cloud
providers load on first access (``from typed_cloudmap.providers import S3Provider``), so
their SDKs are imported only when used; a missing SDK raises ``MissingDependencyError``
naming the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from ._registry import _BUILTIN, load_object, open_url, register_provider
from .local import LocalProvider
from .memory import MemoryProvider

if TYPE_CHECKING:
    from .azure import AzureBlobProvider
    from .gcs import GCSProvider
    from .s3 import S3Provider

__all__ = [
    "CREATE",
    "OVERWRITE",
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
    "open_url",
    "put_mode",
    "put_request",
    "register_provider",
]

_LAZY = {"S3Provider": "s3", "AzureBlobProvider": "az", "GCSProvider": "gs"}


def __getattr__(name: str) -> Any:
    scheme = _LAZY.get(name)
    if scheme is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    builtin = _BUILTIN[scheme]
    value = load_object(builtin.target, builtin)
    globals()[name] = value
    return value
