"""URL query options, declared once by each provider class.

A provider lists the options its URLs take as ``url_options`` (a tuple of :class:`UrlOption`);
the same declaration parses them in ``from_url_parts`` (:func:`take_options`) and tells the
command line's redaction which option values are safe to print (:func:`public_option_names`):
an option that is not declared, or is declared ``secret``, is always masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAPPING_OPTIONS",
    "UrlOption",
    "declare",
    "option_bool",
    "parse_bool",
    "public_option_names",
    "take_options",
]

MAPPING_OPTIONS = frozenset({"codec", "read_blindly", "sync_initially"})
"""Options ``CloudMapping.from_url`` itself takes (never credentials: ``hmac`` keys in a
``codec`` value are masked separately)."""

# What the command line showed before providers declared their options; used for a plugin
# class that declares none.
_UNDECLARED = frozenset({"create", "fsync", "max_connections", "max_pool_connections"})

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_bool(raw: str, *, key: str = "option") -> bool:
    """``true``/``false`` (``1``/``0``, ``yes``/``no``, ``on``/``off``), any case."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"URL option {key}={raw!r} is not a boolean: expected true or false")


def _parse_int(raw: str, *, key: str = "option") -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"URL option {key}={raw!r} is not a whole number") from None


def _parse_text(raw: str, *, key: str = "option") -> str | None:
    return raw or None


_PARSERS: dict[type, Callable[..., Any]] = {bool: parse_bool, int: _parse_int, str: _parse_text}


@dataclass(frozen=True, slots=True)
class UrlOption:
    """One ``?name=value`` a provider's URLs take.

    ``kind`` is ``str`` (an empty value means ``None``), ``int`` or ``bool``; ``argument`` is
    the constructor keyword it fills (default: ``name``); ``secret`` options are masked
    whenever a URL is shown.
    """

    name: str
    kind: type = str
    argument: str | None = None
    secret: bool = False

    def parse(self, raw: str) -> Any:
        return _PARSERS[self.kind](raw, key=self.name)


def declare(*, secret: Iterable[str] = (), **kinds: type) -> tuple[UrlOption, ...]:
    """``url_options`` from ``name=kind`` pairs: ``declare(endpoint_url=str, create=bool)``;
    the names in ``secret`` are masked whenever a URL is shown."""
    hidden = set(secret)
    return tuple(UrlOption(name, kind, secret=name in hidden) for name, kind in kinds.items())


def take_options(declared: Iterable[UrlOption], options: dict[str, str]) -> dict[str, Any]:
    """Pop each declared option present in ``options``; the constructor keywords they give."""
    kwargs: dict[str, Any] = {}
    for option in declared:
        if option.name in options:
            kwargs[option.argument or option.name] = option.parse(options.pop(option.name))
    return kwargs


def option_bool(options: dict[str, str], key: str, *, default: bool) -> bool:
    """Pop a boolean URL option (see :func:`parse_bool`)."""
    raw = options.pop(key, None)
    return default if raw is None else parse_bool(raw, key=key)


def public_option_names(scheme: str) -> frozenset[str]:
    """The options of ``scheme://`` URLs whose values may be printed.

    Those the scheme's provider declares (minus its secret ones) and the mapping's own; for a
    scheme that cannot be loaded here (unknown, or its SDK missing), only the mapping's own.
    """
    from ._registry import provider_class  # lazy: the registry loads provider modules

    try:
        cls = provider_class(scheme)
    except (ImportError, ValueError, TypeError):
        return MAPPING_OPTIONS
    declared: Iterable[UrlOption] | None = getattr(cls, "url_options", None)
    if declared is None:
        return MAPPING_OPTIONS | _UNDECLARED
    return MAPPING_OPTIONS | {o.name for o in declared if not o.secret}
