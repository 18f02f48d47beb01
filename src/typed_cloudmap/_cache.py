"""An opt-in read cache keyed by etag, bounded by entries and bytes.

A cached key is re-read with ``If-None-Match: <etag>``; a 304 returns the cached decoded value
without downloading or decoding again. Values are shared, not copied: treat values read
through a cached mapping as read-only (frozen pydantic models make that explicit).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["ReadCache", "read_cache"]


class ReadCache:
    """A thread-safe LRU of ``object name -> (etag, decoded value)``.

    ``max_bytes`` counts the stored (encoded) size of each object, which is what a 304 saves.
    """

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024**2) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("ReadCache needs room for at least one entry and one byte")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[str, Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return (
            f"ReadCache(max_entries={self.max_entries}, max_bytes={self.max_bytes}, "
            f"entries={len(self._items)}, hits={self.hits}, misses={self.misses})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.max_entries, self.max_bytes))  # limits travel, contents don't

    def __len__(self) -> int:
        return len(self._items)

    def lookup(self, name: str) -> tuple[str, Any] | None:
        """The cached ``(etag, value)`` for ``name``, if any (marks it recently used)."""
        with self._lock:
            entry = self._items.get(name)
            if entry is None:
                return None
            self._items.move_to_end(name)
            return entry[0], entry[1]

    def hit(self) -> None:
        with self._lock:
            self.hits += 1

    def store(self, name: str, etag: str, value: Any, size: int) -> None:
        """Remember ``value`` as the content of version ``etag``; evict to stay in bounds."""
        with self._lock:
            self.misses += 1
            old = self._items.pop(name, None)
            if old is not None:
                self._bytes -= old[2]
            if size > self.max_bytes:
                return
            self._items[name] = (etag, value, size)
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def discard(self, name: str) -> None:
        with self._lock:
            old = self._items.pop(name, None)
            if old is not None:
                self._bytes -= old[2]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


def read_cache(cache: bool | ReadCache | None) -> ReadCache | None:
    """The cache a mapping's ``cache=`` argument asks for: a new one for ``True``, the given
    one (even while empty, so falsy), or none."""
    if cache is True:
        return ReadCache()
    return cache if isinstance(cache, ReadCache) else None
