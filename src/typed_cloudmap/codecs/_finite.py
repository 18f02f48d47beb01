"""JSON has no NaN or Infinity: writers that would print them as ``null`` are stopped here."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["NON_FINITE", "check_finite", "has_non_finite"]

_SCALARS = frozenset({type(None), str, int, bool, bytes})

NON_FINITE = "NaN and Infinity have no JSON spelling (they would read back as null)"


def has_non_finite(value: Any) -> bool:
    """Whether ``value`` holds a NaN or infinite float anywhere (models, dicts, lists, sets)."""
    kind = type(value)
    if kind in _SCALARS:
        return False
    if getattr(kind, "__pydantic_fields__", None) is not None:  # a model: walk its fields
        extra = getattr(value, "__pydantic_extra__", None) or {}
        return has_non_finite(vars(value)) or has_non_finite(extra)
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(has_non_finite(k) or has_non_finite(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_non_finite(v) for v in value)
    return False


def check_finite(body: bytes, value: Any) -> None:
    """Raise ``ValueError`` if ``body`` (JSON written from ``value``) hides a NaN or Infinity.

    Only output containing ``null`` is walked, so the common case costs one byte search.
    """
    if b"null" in body and has_non_finite(value):
        raise ValueError(NON_FINITE)
