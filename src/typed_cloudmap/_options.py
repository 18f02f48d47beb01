"""Constructor helpers of ``CloudMapping``: type parameters, URL flags, codec defaults, pickling."""

from __future__ import annotations

from typing import Any

from .codecs import CodecStack, parse_stack

__all__ = ["pick_type", "rebuild", "stack_for"]


def rebuild(
    base: Any, specialised: bool, key_type: Any, value_type: Any, state: dict[str, Any]
) -> Any:
    view = state.pop("view")
    if specialised:
        mapping = base[key_type, value_type](sync_initially=False, **state)
    else:
        mapping = base(key_type=key_type, value_type=value_type, sync_initially=False, **state)
    mapping._view.load(view.items())
    return mapping


def pick_type(what: str, from_class: Any, given: Any, default: Any) -> Any:
    if from_class is not None and given is not None and given != from_class:
        raise TypeError(f"{what}={given!r} contradicts the subscripted type {from_class!r}")
    return from_class if from_class is not None else given if given is not None else default


def stack_for(codec: Any, value_type: Any) -> CodecStack:
    if isinstance(codec, CodecStack):
        return codec
    if codec is None:
        codec = "raw" if value_type is bytes else "orjson"
    return parse_stack(codec)
