"""Codec spec strings: ``"zstd:level=9"`` parsed into a name and parameters, and back.

A stack string is codec specs joined by ``|``; a codec spec is a registered name, optionally
followed by ``:`` and ``key=value`` pairs joined by ``,``. A value becomes an ``int``,
``float`` or ``bool`` only when its text is exactly how Python would print that value, so
``str(value)`` always gives the original text back (``"007"`` stays a string).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from typed_cloudmap.errors import CodecError

__all__ = [
    "ParamValue",
    "as_bool",
    "as_int",
    "check_name",
    "format_codec_spec",
    "format_value",
    "parse_codec_spec",
    "parse_value",
    "split_stack",
]

ParamValue = str | int | float | bool

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT = re.compile(r"-?[0-9]+\Z")
_TRUE = frozenset({"true", "True"})
_FALSE = frozenset({"false", "False"})


def check_name(name: str) -> str:
    """Return ``name`` if it can be spelled inside a stack string, else raise ``CodecError``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise CodecError(
            f"invalid codec name {name!r}: use letters, digits, '_', '.' or '-' "
            "(no '|', ':', ',', '=' or spaces)"
        )
    return name


def parse_value(text: str) -> ParamValue:
    """Turn a parameter's text into ``bool``/``int``/``float`` where it reads exactly as one."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        number = int(text)
        return number if str(number) == text else text
    try:
        real = float(text)
    except ValueError:
        return text
    return real if math.isfinite(real) and repr(real) == text else text


def split_stack(spec: str) -> list[str]:
    """Split ``"orjson | zstd:level=9"`` into codec specs; empty parts are an error."""
    parts = [part.strip() for part in spec.split("|")]
    if not all(parts):
        raise CodecError(f"codec stack {spec!r} has an empty part (stray '|'?)")
    return parts


def parse_codec_spec(spec: str) -> tuple[str, dict[str, ParamValue]]:
    """Parse ``"zstd:level=9,checksum=false"`` into ``("zstd", {"level": 9, ...})``.

    Error messages name parameters by key or position, never by value: a value may be a secret.
    """
    name, sep, rest = spec.strip().partition(":")
    name = check_name(name.strip())
    params: dict[str, ParamValue] = {}
    if not sep:
        return name, params
    for position, item in enumerate(rest.split(","), start=1):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not _PARAM.match(key):
            raise CodecError(
                f"codec {name!r}: parameter #{position} is not of the form key=value "
                "(key: letters, digits and '_')"
            )
        if key in params:
            raise CodecError(f"codec {name!r}: parameter {key!r} is given twice")
        params[key] = parse_value(value.strip())
    return name, params


def format_value(value: object) -> str:
    """Spell one parameter value the way :func:`parse_value` reads it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_codec_spec(name: str, params: Mapping[str, object] | None = None) -> str:
    """The canonical spelling of a codec: ``name`` or ``name:k=v,k=v`` in the given order."""
    if not params:
        return name
    return name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in params.items())


def as_int(value: object, *, codec: str, param: str, low: int, high: int) -> int:
    """Check an integer parameter (``bool`` is refused) and its range, else ``CodecError``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CodecError(
            f"codec {codec!r}: {param} must be an integer from {low} to {high}, got {value!r}"
        )
    return value


def as_bool(value: object, *, codec: str, param: str) -> bool:
    """Check a boolean parameter; the texts true/false/1/0/yes/no are accepted too."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise CodecError(f"codec {codec!r}: {param} must be true or false, got {value!r}")
