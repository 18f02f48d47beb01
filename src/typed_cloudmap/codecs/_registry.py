"""The codec registry: names to factories, built-ins imported lazily, plugins by entry point.

Lookup order for a name: codecs registered in this process (:func:`register_codec`), then
the built-in table below (``"module:attr"`` strings imported on first use), then the
``typed_cloudmap.codecs`` entry-point group, whose entries are loaded only when asked for.
A factory is any callable taking the codec's parameters as keywords (usually the class).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from importlib.metadata import EntryPoint, entry_points

from typed_cloudmap.codecs._base import Serializer, Transform
from typed_cloudmap.codecs._spec import check_name, parse_codec_spec
from typed_cloudmap.errors import CodecError, MissingDependencyError

__all__ = [
    "ENTRY_POINT_GROUP",
    "CodecFactory",
    "available_codecs",
    "get_codec",
    "register_codec",
    "resolve_factory",
]

CodecFactory = Callable[..., "Serializer | Transform"]

ENTRY_POINT_GROUP = "typed_cloudmap.codecs"

_BUILTINS: Mapping[str, str] = {
    "aesgcm": "typed_cloudmap.codecs._aesgcm:AesGcmTransform",
    "hmac": "typed_cloudmap.codecs._hmac:HmacTransform",
    "json": "typed_cloudmap.codecs._stdlib:JsonSerializer",
    "orjson": "typed_cloudmap.codecs._orjson:OrjsonSerializer",
    "pickle": "typed_cloudmap.codecs._stdlib:PickleSerializer",
    "raw": "typed_cloudmap.codecs._stdlib:RawSerializer",
    "str": "typed_cloudmap.codecs._stdlib:StrSerializer",
    "zlib": "typed_cloudmap.codecs._zlib:ZlibTransform",
    "zstd": "typed_cloudmap.codecs._zstd:ZstdTransform",
}

_lock = threading.RLock()
_registered: dict[str, CodecFactory] = {}
_loaded: dict[str, CodecFactory] = {}  # built-ins and plugins already imported


def _entry_points() -> dict[str, EntryPoint]:
    """The installed plugins by codec name (read afresh each call; tests replace this)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def register_codec(name: str, factory: CodecFactory, *, replace: bool = False) -> None:
    """Make ``name`` resolve to ``factory`` in this process.

    A name already taken (by a built-in, a plugin or an earlier registration) needs
    ``replace=True``; registering the same factory again is a no-op.
    """
    check_name(name)
    if not callable(factory):
        raise TypeError(f"codec factory for {name!r} must be callable")
    with _lock:
        current = _registered.get(name)
        if current is factory:
            return
        taken = current is not None or name in _BUILTINS or name in _entry_points()
        if taken and not replace:
            raise ValueError(
                f"codec name {name!r} is already taken; pass replace=True to override it"
            )
        _registered[name] = factory


def available_codecs() -> list[str]:
    """Every codec name that can be asked for: registered, built-in and plugin, sorted."""
    with _lock:
        names = set(_registered) | set(_BUILTINS)
    return sorted(names | set(_entry_points()))


def _import_target(target: str) -> object:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def resolve_factory(name: str) -> CodecFactory:
    """The factory behind ``name``, importing it on first use; ``CodecError`` if unknown."""
    with _lock:
        factory = _registered.get(name) or _loaded.get(name)
        if factory is not None:
            return factory
        target = _BUILTINS.get(name)
        if target is not None:
            loaded = _import_target(target)
        else:
            plugin = _entry_points().get(name)
            if plugin is None:
                raise CodecError(
                    f"unknown codec {name!r}; known codecs: {', '.join(available_codecs())}"
                )
            try:
                loaded = plugin.load()
            except MissingDependencyError:
                raise
            except Exception as exc:  # a broken plugin must not read as an unknown name
                raise CodecError(
                    f"codec plugin {name!r} ({plugin.value}) failed to load: {exc!r}"
                ) from exc
        if not callable(loaded):
            raise CodecError(f"codec {name!r} resolves to {loaded!r}, which is not callable")
        _loaded[name] = loaded
        return loaded


def get_codec(spec: str, /, **params: object) -> Serializer | Transform:
    """Create the codec spelled ``spec``, e.g. ``get_codec("zstd:level=9")``.

    Keyword ``params`` add to those in the string (giving one in both is an error). Unknown
    names and bad parameters raise ``CodecError``; a missing optional library raises
    ``MissingDependencyError``.
    """
    if not isinstance(spec, str):
        raise TypeError(f"codec spec must be a str, not {type(spec).__name__}")
    name, parsed = parse_codec_spec(spec)
    clash = sorted(set(parsed) & set(params))
    if clash:
        raise CodecError(f"codec {name!r}: parameter(s) {', '.join(clash)} given twice")
    factory = resolve_factory(name)
    try:
        codec = factory(**parsed, **params)
    except (CodecError, MissingDependencyError):
        raise
    except (TypeError, ValueError) as exc:
        # Messages from the factory name parameters; spec values (perhaps secrets) are not echoed.
        raise CodecError(f"codec {name!r}: bad parameters: {exc}") from exc
    if not isinstance(codec, Serializer | Transform):
        raise CodecError(
            f"codec {name!r}: factory returned {type(codec).__name__}, "
            "which is neither a Serializer nor a Transform"
        )
    return codec
