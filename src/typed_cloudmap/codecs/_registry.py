"""The codec registry: names to factories, built-ins imported lazily, plugins by entry point.

Lookup order for a name: codecs registered in this process (:func:`register_codec`), then
the built-in table below (``"module:attr"`` strings imported on first use), then the
``typed_cloudmap.codecs`` entry-point group, whose entries are loaded only when asked for.
A factory is any callable taking the codec's parameters as keywords (usually the class).
The registry itself is the package's one lazy design (``typed_cloudmap._lazy``), shared with
the provider URL schemes: same order, same replace policy, same install hints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

from typed_cloudmap._lazy import Builtin, LazyRegistry
from typed_cloudmap.codecs._base import Serializer, Transform
from typed_cloudmap.codecs._spec import check_name, parse_codec_spec
from typed_cloudmap.errors import CodecError, MissingDependencyError

__all__ = [
    "CODECS",
    "ENTRY_POINT_GROUP",
    "CodecFactory",
    "available_codecs",
    "get_codec",
    "register_codec",
    "resolve_factory",
]

CodecFactory = Callable[..., "Serializer | Transform"]

ENTRY_POINT_GROUP = "typed_cloudmap.codecs"

_BUILTINS: Mapping[str, Builtin] = {
    "aesgcm": Builtin(
        "typed_cloudmap.codecs._aesgcm:AesGcmTransform", ("cryptography",), "cryptography", "crypto"
    ),
    "hmac": Builtin("typed_cloudmap.codecs._hmac:HmacTransform"),
    "json": Builtin("typed_cloudmap.codecs._stdlib:JsonSerializer"),
    "orjson": Builtin(
        "typed_cloudmap.codecs._orjson:OrjsonSerializer", ("orjson",), "orjson", "orjson"
    ),
    "pickle": Builtin("typed_cloudmap.codecs._stdlib:PickleSerializer"),
    "raw": Builtin("typed_cloudmap.codecs._stdlib:RawSerializer"),
    "str": Builtin("typed_cloudmap.codecs._stdlib:StrSerializer"),
    "zlib": Builtin("typed_cloudmap.codecs._zlib:ZlibTransform"),
    "zstd": Builtin(
        "typed_cloudmap.codecs._zstd:ZstdTransform", ("zstandard",), "zstandard", "zstd"
    ),
}


def _normalize(name: str) -> str:
    check_name(name)
    return name


def _check(name: str, loaded: object) -> CodecFactory:
    if not callable(loaded):
        raise CodecError(f"codec {name!r} resolves to {loaded!r}, which is not callable")
    return cast("CodecFactory", loaded)  # a callable; get_codec checks what it makes


def _unknown(name: str, known: list[str]) -> Exception:
    return CodecError(f"unknown codec {name!r}; known codecs: {', '.join(known)}")


def _broken(name: str, plugin: object, exc: Exception) -> Exception:
    where = getattr(plugin, "value", "?")
    return CodecError(f"codec plugin {name!r} ({where}) failed to load: {exc!r}")


CODECS: LazyRegistry[CodecFactory] = LazyRegistry(
    ENTRY_POINT_GROUP,
    _BUILTINS,
    normalize=_normalize,
    check=_check,
    unknown=_unknown,
    broken=_broken,
)
"""The process's codec names."""
_registered, _loaded = CODECS.registered, CODECS.loaded  # the live tables, for test isolation


def register_codec(name: str, factory: CodecFactory, *, replace: bool = False) -> None:
    """Make ``name`` resolve to ``factory`` in this process.

    A name already taken (by a built-in, a plugin or an earlier registration) needs
    ``replace=True``; registering the same factory again is a no-op.
    """
    check_name(name)
    if not callable(factory):
        raise TypeError(f"codec factory for {name!r} must be callable")
    try:
        CODECS.register(name, factory, replace=replace)
    except ValueError as exc:
        raise ValueError(f"codec name {exc}") from None


def available_codecs() -> list[str]:
    """Every codec name that can be asked for: registered, built-in and plugin, sorted."""
    return CODECS.names()


def resolve_factory(name: str) -> CodecFactory:
    """The factory behind ``name``, importing it on first use; ``CodecError`` if unknown."""
    return CODECS.resolve(name)


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
