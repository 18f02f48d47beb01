"""URL schemes -> provider classes, so ``"s3://bucket/prefix?codec=orjson"`` opens a provider.

Built-ins are a lazy ``"module:Class"`` table: a backend's SDK is imported only when its
scheme is used, and a missing SDK becomes ``MissingDependencyError`` naming the extra to
install. Plugins register with :func:`register_provider` or through the entry-point group
``typed_cloudmap.providers`` (entry-point name = scheme, value = ``"module:Class"``).
Explicit registrations win over built-ins, and built-ins over entry points; a scheme already
taken needs ``replace=True`` (the codec names follow the same design: ``typed_cloudmap._lazy``).

A provider class opened from a URL has a classmethod
``from_url_parts(location, path, options) -> (provider, prefix)``: ``location`` is the
netloc (bucket, container), ``path`` the percent-decoded path without its leading ``/``,
and ``options`` the decoded query; it pops the options it understands and leaves the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from .._lazy import Builtin, LazyRegistry, load_object
from ._base import Provider
from ._options import option_bool

if TYPE_CHECKING:
    from ._async_base import AsyncProvider

__all__ = [
    "PROVIDERS",
    "async_provider_class",
    "known_schemes",
    "load_object",
    "open_async_url",
    "open_url",
    "option_bool",
    "provider_class",
    "register_provider",
]

ENTRY_POINT_GROUP = "typed_cloudmap.providers"

_BUILTIN: Mapping[str, Builtin] = {
    "memory": Builtin("typed_cloudmap.providers.memory:MemoryProvider"),
    "file": Builtin("typed_cloudmap.providers.local:LocalProvider"),
    "s3": Builtin("typed_cloudmap.providers.s3:S3Provider", ("boto3", "botocore"), "boto3", "s3"),
    "az": Builtin(
        "typed_cloudmap.providers.azure:AzureBlobProvider",
        ("azure",),
        "azure-storage-blob",
        "azure",
    ),
    "gs": Builtin(
        "typed_cloudmap.providers.gcs:GCSProvider",
        ("google", "requests"),
        "google-cloud-storage",
        "gcs",
    ),
}

# The async twins, for AsyncCloudMapping (see async_provider_class).
_ASYNC_BUILTIN: Mapping[str, Builtin] = {
    "memory": Builtin("typed_cloudmap.providers.async_memory:AsyncMemoryProvider"),
    "file": Builtin("typed_cloudmap.providers.async_local:AsyncLocalProvider"),
    "s3": Builtin(
        "typed_cloudmap.providers.async_s3:AsyncS3Provider",
        ("aiobotocore", "botocore"),
        "aiobotocore",
        "async",
    ),
    "az": Builtin(
        "typed_cloudmap.providers.async_azure:AsyncAzureBlobProvider",
        ("azure", "aiohttp"),
        "aiohttp",
        "async",
    ),
    "gs": Builtin(
        "typed_cloudmap.providers.async_gcs:AsyncGCSProvider",
        ("aiohttp", "google"),
        "aiohttp",
        "async",
    ),
}


def _check_scheme(scheme: str) -> str:
    scheme = scheme.lower()
    if not scheme or not scheme[0].isalpha() or not all(c.isalnum() or c in "+-." for c in scheme):
        raise ValueError(f"{scheme!r} is not a URL scheme")
    return scheme


def _check_class(scheme: str, cls: object) -> type[Any]:
    if not callable(getattr(cls, "from_url_parts", None)):
        raise TypeError(f"{cls!r} (scheme {scheme!r}) has no from_url_parts classmethod")
    return cast("type[Any]", cls)


def _unknown(scheme: str, known: list[str]) -> Exception:
    return ValueError(
        f"unknown storage URL scheme {scheme!r}; known schemes: "
        + ", ".join(f"{s}://" for s in known)
    )


PROVIDERS: LazyRegistry[type[Any]] = LazyRegistry(
    ENTRY_POINT_GROUP, _BUILTIN, normalize=_check_scheme, check=_check_class, unknown=_unknown
)
"""The process's URL schemes (the same lazy design as the codec names)."""
_registered, _loaded = PROVIDERS.registered, PROVIDERS.loaded  # live tables, for tests


def register_provider(scheme: str, provider: type[Any] | str, *, replace: bool = False) -> None:
    """Open ``scheme://`` URLs with ``provider`` (a class or a lazy ``"module:Class"``).

    A scheme already taken (a built-in, a plugin or an earlier registration) needs
    ``replace=True``; registering the same provider again is a no-op.
    """
    if isinstance(provider, str) and ":" not in provider:
        raise ValueError(f"expected 'module:Class', got {provider!r}")
    try:
        PROVIDERS.register(scheme, provider, replace=replace)
    except ValueError as exc:
        if "already taken" in str(exc):
            raise ValueError(f"URL scheme {exc}") from None
        raise


def known_schemes() -> list[str]:
    """Every scheme that can be opened: registered, built-in and from installed plugins."""
    return PROVIDERS.names()


def provider_class(scheme: str) -> type[Any]:
    """The provider class for ``scheme``; ``ValueError`` listing known schemes if unknown."""
    return PROVIDERS.resolve(scheme)


def open_url(
    url: str, *, overrides: Mapping[str, str] | None = None
) -> tuple[Provider, str, dict[str, str]]:
    """Open the provider a URL names (``overrides`` replace query options of the same name).

    Returns the provider, the object-name prefix (the URL path, percent-decoded, without its
    leading ``/``; ``file://`` URLs use the whole path as the root and return ``""``), and the
    query options the provider did not use (for example ``codec``).
    """
    provider, prefix, options = _open(url, overrides, provider_class)
    return provider, prefix, options


def async_provider_class(scheme: str) -> type[Any]:
    """The async provider class for ``scheme`` (what ``AsyncCloudMapping(url)`` opens).

    A class registered with :func:`register_provider` is used when its operations are
    coroutines; otherwise the built-in async twin of the scheme's provider.
    """
    from ._async_base import is_async_provider

    scheme = _check_scheme(scheme)
    registered = PROVIDERS.registered.get(scheme)
    if isinstance(registered, str):
        registered = load_object(registered)
    if registered is not None and is_async_provider(registered):
        return cast("type[Any]", registered)
    builtin = _ASYNC_BUILTIN.get(scheme)
    if builtin is None:
        raise ValueError(
            f"no async provider for URL scheme {scheme!r}; async providers exist for: "
            + ", ".join(f"{s}://" for s in sorted(_ASYNC_BUILTIN))
        )
    cls: type[Any] = load_object(builtin.target, builtin)
    return cls


def open_async_url(
    url: str, *, overrides: Mapping[str, str] | None = None
) -> tuple[AsyncProvider, str, dict[str, str]]:
    """:func:`open_url` for async providers: same URLs, same options, same prefix rules."""
    provider, prefix, options = _open(url, overrides, async_provider_class)
    return provider, prefix, options


def _open(
    url: str, overrides: Mapping[str, str] | None, lookup: Callable[[str], type[Any]]
) -> tuple[Any, str, dict[str, str]]:
    parts = urlsplit(url)
    if not parts.scheme or "://" not in url:
        raise ValueError(f"{url!r} is not a storage URL like 's3://bucket/prefix'")
    if parts.fragment:
        raise ValueError(f"{url!r}: storage URLs take no '#fragment'")
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if key in options:
            raise ValueError(f"{url!r}: option {key!r} is given twice")
        options[key] = value
    options.update(overrides or {})
    cls = lookup(parts.scheme)
    path = unquote(parts.path)
    provider, prefix = cls.from_url_parts(
        parts.netloc, path[1:] if path[:1] == "/" else path, options
    )
    return provider, prefix, options
