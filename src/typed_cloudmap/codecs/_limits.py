"""The decoded-size limit that every transform's ``decode`` honours (decompression bombs)."""

from __future__ import annotations

from typed_cloudmap.errors import CodecError

__all__ = ["check_limit", "over_limit"]


def check_limit(limit: int | None) -> int | None:
    """Validate a ``limit`` argument: ``None`` (no limit) or a non-negative ``int``."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be None or an integer >= 0, got {limit!r}")
    return limit


def over_limit(codec: str, limit: int) -> CodecError:
    """The error for output that would exceed ``limit`` bytes (raised before it is allocated)."""
    return CodecError(
        f"{codec}: decoded data is larger than the limit of {limit} bytes; refusing to decode "
        "(corrupt object or decompression bomb?)"
    )
