"""Atomic read-modify-write on one key: ``setdefault`` (create-only) and ``modify`` (retried).

Functions over the core and a view: each reads the stored version whatever the view says,
writes conditionally on that version, and moves the view only from what it held when the
attempt started.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ._core import MappingCore
from ._view import EtagView
from .errors import KeySyncError

__all__ = ["MISSING", "modify", "setdefault"]

K = TypeVar("K")
V = TypeVar("V")
MISSING: Any = object()
_RACES = 10


def setdefault(core: MappingCore[K, V], view: EtagView, key: K, default: V | None) -> V:
    """``key``'s stored value if present, else ``default`` stored create-only.

    Atomic across writers: losers of a race return the winner's value.
    """
    name = core.keys.encode(key)
    for _ in range(_RACES):
        seen = view.get(name)
        latest = core.latest(key, name)
        if latest is not None:
            view.advance(name, seen, latest.version)
            return latest.value
        view.advance(name, seen, None)
        try:
            value, written = core.write(key, name, default, None)
        except KeySyncError:
            continue
        if written.version is not None:
            view.advance(name, None, written.version)
        return value
    raise KeySyncError(key, None, f"key {key!r}: setdefault lost {_RACES} races in a row")


def modify(
    core: MappingCore[K, V],
    view: EtagView,
    key: K,
    fn: Callable[[V], V],
    default: V,
    timeout: float,
) -> V:
    """Read-modify-write ``key`` until no other writer intervened; return what was stored.

    A conflict is retried with jittered exponential backoff; when this raises, nothing
    ``fn`` computed was stored.
    """
    name = core.keys.encode(key)
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        seen = view.get(name)
        latest = core.latest(key, name)
        if latest is None:
            if default is MISSING:
                view.advance(name, seen, None)
                raise KeyError(key)
            current, base = default, None
        else:
            current, base = latest.value, latest.version
        new = fn(current)
        try:
            value, written = core.write(key, name, new, base)
        except KeySyncError:
            if time.monotonic() > deadline:
                raise
        else:
            if written.version is not None:
                view.advance(name, seen, written.version)
            return value
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.5)
