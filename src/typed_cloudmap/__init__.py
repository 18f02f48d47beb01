"""typed-cloudmap: a typed, schema-validated ``dict`` over object storage.

``CloudMapping[str, User](provider, prefix=..., codec="orjson|zstd")`` validates values on
write, decodes them into typed objects on read, and makes every write and delete
conditional on the etag the mapping last saw.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING, Any

from ._cache import ReadCache
from ._mapping import CloudMapping
from ._watch_diff import Change
from .codecs import (
    CodecStack,
    Serializer,
    Transform,
    available_codecs,
    get_codec,
    parse_stack,
    register_codec,
)
from .errors import (
    BulkError,
    CloudMappingError,
    CodecError,
    InvalidValueError,
    KeySyncError,
    MissingDependencyError,
    ProviderError,
    ValueSizeError,
)
from .providers import (
    AsyncLocalProvider,
    AsyncMemoryProvider,
    AsyncProvider,
    LocalProvider,
    MemoryProvider,
    ObjectInfo,
    Provider,
    StoredObject,
    open_url,
    register_provider,
)

if TYPE_CHECKING:
    from .providers.async_azure import AsyncAzureBlobProvider
    from .providers.async_gcs import AsyncGCSProvider
    from .providers.async_s3 import AsyncS3Provider
    from .providers.azure import AzureBlobProvider
    from .providers.gcs import GCSProvider
    from .providers.s3 import S3Provider

__all__ = [
    "AsyncAzureBlobProvider",
    "AsyncGCSProvider",
    "AsyncLocalProvider",
    "AsyncMemoryProvider",
    "AsyncProvider",
    "AsyncS3Provider",
    "AzureBlobProvider",
    "BulkError",
    "Change",
    "CloudMapping",
    "CloudMappingError",
    "CodecError",
    "CodecStack",
    "GCSProvider",
    "InvalidValueError",
    "KeySyncError",
    "LocalProvider",
    "MemoryProvider",
    "MissingDependencyError",
    "ObjectInfo",
    "Provider",
    "ProviderError",
    "ReadCache",
    "S3Provider",
    "Serializer",
    "StoredObject",
    "Transform",
    "ValueSizeError",
    "available_codecs",
    "get_codec",
    "open_url",
    "parse_stack",
    "register_codec",
    "register_provider",
]

try:  # pyproject.toml is the one source; the installed metadata carries it
    __version__ = _distribution_version("typed-cloudmap")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    # Cloud providers import their SDK; load them only when asked for.
    if name in {
        "S3Provider",
        "AzureBlobProvider",
        "GCSProvider",
        "AsyncS3Provider",
        "AsyncAzureBlobProvider",
        "AsyncGCSProvider",
    }:
        from . import providers

        return getattr(providers, name)
    raise AttributeError(f"module 'typed_cloudmap' has no attribute {name!r}")
