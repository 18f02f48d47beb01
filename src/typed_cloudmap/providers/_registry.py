"""URL schemes -> provider classes, so ``"s3://bucket/prefix?codec=orjson"`` opens a provider.

Built-ins are a lazy ``"module:Class"`` table: a backend's SDK is imported only when its
scheme is used, and a missing SDK becomes ``MissingDependencyError`` naming the extra to
install. Plugins register with :func:`register_provider` or through the entry-point group
``typed_cloudmap.providers`` (entry-point name = scheme, value = ``"module:Class"``).
Explicit registrations win over built-ins, and built-ins over entry points.

A provider class opened from a URL has a classmethod
``from_url_parts(location, path, options) -> (provider, prefix)``: ``location`` is the
netloc (bucket, container), ``path`` the percent-decoded path without its leading ``/``,
and ``options`` the decoded query; it pops the options it understands and leaves the rest.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import MissingDependencyError
from ._base import Provider
from ._options import option_bool

__all__ = [
    "known_schemes",
    "open_url",
    "option_bool",
    "provider_class",
    "register_provider",
]

ENTRY_POINT_GROUP = "typed_cloudmap.providers"

_BUILTIN: Mapping[str, str] = {
    "memory": "typed_cloudmap.providers.memory:MemoryProvider",
    "file": "typed_cloudmap.providers.local:LocalProvider",
    "s3": "typed_cloudmap.providers.s3:S3Provider",
    "az": "typed_cloudmap.providers.azure:AzureBlobProvider",
    "gs": "typed_cloudmap.providers.gcs:GCSProvider",
}

# The SDK behind each optional backend: (top-level modules, package to install, extra).
_SDKS: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    "typed_cloudmap.providers.s3": (("boto3", "botocore"), "boto3", "s3"),
    "typed_cloudmap.providers.azure": (("azure",), "azure-storage-blob", "azure"),
    "typed_cloudmap.providers.gcs": (("google",), "google-cloud-storage", "gcs"),
}

_registered: dict[str, type[Any] | str] = {}
_loaded: dict[str, type[Any]] = {}
_lock = threading.Lock()


def _entry_points() -> dict[str, Callable[[], Any]]:
    """Scheme -> loader of each installed plugin (the seam tests replace)."""
    return {ep.name: ep.load for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_object(path: str) -> Any:
    """Import ``"module:attr"``; a missing SDK of a built-in becomes MissingDependencyError."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except MissingDependencyError:
        raise
    except ImportError as exc:
        sdk = _SDKS.get(module_name)
        missing = (exc.name or "").split(".")[0]
        if sdk is not None and missing in sdk[0]:
            raise MissingDependencyError(sdk[1], sdk[2]) from exc
        raise
    return getattr(module, attr)


def _check_scheme(scheme: str) -> str:
    scheme = scheme.lower()
    if not scheme or not scheme[0].isalpha() or not all(c.isalnum() or c in "+-." for c in scheme):
        raise ValueError(f"{scheme!r} is not a URL scheme")
    return scheme


def register_provider(scheme: str, provider: type[Any] | str) -> None:
    """Open ``scheme://`` URLs with ``provider`` (a class or a lazy ``"module:Class"``).

    Replaces any earlier registration of the scheme, built-ins included.
    """
    scheme = _check_scheme(scheme)
    if isinstance(provider, str) and ":" not in provider:
        raise ValueError(f"expected 'module:Class', got {provider!r}")
    with _lock:
        _registered[scheme] = provider
        _loaded.pop(scheme, None)


def known_schemes() -> list[str]:
    """Every scheme that can be opened: registered, built-in and from installed plugins."""
    return sorted({*_registered, *_BUILTIN, *_entry_points()})


def provider_class(scheme: str) -> type[Any]:
    """The provider class for ``scheme``; ``ValueError`` listing known schemes if unknown."""
    scheme = scheme.lower()
    with _lock:
        cls = _loaded.get(scheme)
        target = _registered.get(scheme, _BUILTIN.get(scheme))
    if cls is not None:
        return cls
    if isinstance(target, str):
        cls = load_object(target)
    elif target is not None:
        cls = target
    else:
        plugin = _entry_points().get(scheme)
        if plugin is None:
            raise ValueError(
                f"unknown storage URL scheme {scheme!r}; known schemes: "
                + ", ".join(f"{s}://" for s in known_schemes())
            )
        cls = plugin()
    if not callable(getattr(cls, "from_url_parts", None)):
        raise TypeError(f"{cls!r} (scheme {scheme!r}) has no from_url_parts classmethod")
    with _lock:
        _loaded[scheme] = cls
    return cls


def open_url(
    url: str, *, overrides: Mapping[str, str] | None = None
) -> tuple[Provider, str, dict[str, str]]:
    """Open the provider a URL names (``overrides`` replace query options of the same name).

    Returns the provider, the object-name prefix (the URL path, percent-decoded, without its
    leading ``/``; ``file://`` URLs use the whole path as the root and return ``""``), and the
    query options the provider did not use (for example ``codec``).
    """
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
    cls = provider_class(parts.scheme)
    path = unquote(parts.path)
    provider, prefix = cls.from_url_parts(
        parts.netloc, path[1:] if path[:1] == "/" else path, options
    )
    return provider, prefix, options
