"""Atomic read-modify-write on one key: ``setdefault`` (create-only) and ``modify`` (retried)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._tokens import chain_of
from .errors import KeySyncError
from .providers import StoredObject

if TYPE_CHECKING:
    from ._mapping import CloudMapping

__all__ = ["AtomicMixin"]

K = TypeVar("K")
V = TypeVar("V")
_MISSING: Any = object()


class AtomicMixin(Generic[K, V]):
    """Operations that stay correct however many writers race on the same key."""

    def _me(self) -> CloudMapping[K, V]:
        return self  # type: ignore[return-value]  # the mixin is only used by CloudMapping

    def setdefault(self, key: K, default: V | None = None) -> V:
        """``self[key]`` if present, else store ``default`` create-only and return it.

        Atomic across writers: losers of a race return the winner's value.
        """
        me = self._me()
        name = me._keys.encode(key)
        for _ in range(10):
            obj = self._get_latest(name)
            if obj is not None:
                value = me._decode(key, obj)
                me._view.record(name, obj.etag, chain=chain_of(obj.metadata))
                return value
            try:
                return me._put(key, name, default, None)[0]
            except KeySyncError:
                continue
        raise KeySyncError(key, None, f"key {key!r}: setdefault lost 10 races in a row")

    def _get_latest(self, name: str) -> StoredObject | None:
        me = self._me()
        try:
            return me.provider.get(name)
        except KeyError:
            me._view.record(name, None)
            return None

    def modify(
        self,
        key: K,
        fn: Callable[[V], V],
        default: V = _MISSING,
        *,
        timeout: float = 300.0,
    ) -> V:
        """Read-modify-write ``key`` until no other writer intervened; return what was stored.

        ``fn`` gets the current value (``default`` if the key is absent) and returns the new
        one; it may run several times. A conflict is retried with jittered exponential
        backoff, so concurrent increments never lose an update. When ``modify`` raises,
        nothing ``fn`` computed was stored.
        """
        me = self._me()
        name = me._keys.encode(key)
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            obj = self._get_latest(name)
            if obj is None:
                if default is _MISSING:
                    raise KeyError(key)
                current, expected, replaced = default, None, None
            else:
                current, expected, replaced = me._decode(key, obj), obj.etag, obj.metadata
            new = fn(current)
            try:
                return me._put(key, name, new, expected, replaced)[0]
            except KeySyncError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0, delay))
            delay = min(delay * 2, 0.5)
