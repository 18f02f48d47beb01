"""The ``orjson`` serializer: fast JSON, the default codec for JSON-able values.

orjson is imported when the codec is created, not when this module is, so that a missing
install surfaces as ``MissingDependencyError`` naming the extra to install.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from typed_cloudmap.codecs._finite import check_finite
from typed_cloudmap.codecs._spec import as_bool, format_codec_spec
from typed_cloudmap.errors import CodecError, MissingDependencyError

__all__ = ["OrjsonSerializer"]

# Parameter name -> orjson OPT_* constant name. Only options that keep the output plain JSON
# (or widen what can be written) are offered; the stored text must stay readable by any tool.
# The datetime options are not: pydantic turns datetimes into ISO strings before orjson runs.
_OPTIONS = {
    "sort_keys": "OPT_SORT_KEYS",
    "indent": "OPT_INDENT_2",
    "non_str_keys": "OPT_NON_STR_KEYS",
    "serialize_numpy": "OPT_SERIALIZE_NUMPY",
    "strict_integer": "OPT_STRICT_INTEGER",
}


def _orjson() -> ModuleType:
    try:
        import orjson
    except ImportError:
        raise MissingDependencyError("orjson", "orjson") from None
    return orjson


class OrjsonSerializer:
    """JSON via orjson: UTF-8, compact, datetimes/UUIDs/dataclasses natively; no NaN/Infinity.

    Options are booleans named after orjson's ``OPT_*`` flags, e.g. ``orjson:sort_keys=true``.
    """

    __slots__ = ("_enabled", "_module", "_option")
    format = "json"
    media_type = "application/json"

    def __init__(self, **options: object) -> None:
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            raise CodecError(
                f"codec 'orjson': unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_OPTIONS))}"
            )
        self._module = _orjson()
        self._enabled = tuple(
            key for key in sorted(options) if as_bool(options[key], codec="orjson", param=key)
        )
        option = 0
        for key in self._enabled:
            option |= getattr(self._module, _OPTIONS[key])
        self._option: int = option

    @property
    def name(self) -> str:
        return format_codec_spec("orjson", dict.fromkeys(self._enabled, True))

    def dumps(self, value: object) -> bytes:
        data: bytes = self._module.dumps(value, option=self._option)
        check_finite(data, value)  # orjson writes null for NaN and Infinity
        return data

    def loads(self, data: bytes) -> object:
        try:
            return self._module.loads(data)
        except self._module.JSONDecodeError as exc:
            raise CodecError(f"orjson: stored bytes are not valid JSON ({exc})") from exc

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_orjson, (self._enabled,))

    def __repr__(self) -> str:
        return f"OrjsonSerializer({self.name!r})"


def _make_orjson(enabled: tuple[str, ...]) -> OrjsonSerializer:
    return OrjsonSerializer(**dict.fromkeys(enabled, True))
