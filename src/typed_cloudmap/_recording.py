"""A provider that records every call made through it, for tests (re-exported by ``testing``).

``RecordingProvider(inner)`` wraps any :class:`~typed_cloudmap.Provider`, appends one
:class:`Call` per method call (with what it returned or raised), then answers exactly as
``inner`` does. Tests use it to say how many provider calls an operation costs, or that an
error came before any I/O::

    provider = RecordingProvider(MemoryProvider())
    m = CloudMapping[str, int](provider)
    m["a"] = 1
    assert provider.counts() == {"put": 1}
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import KeySyncError
from .providers._base import (
    ObjectInfo,
    Provider,
    StoredObject,
    SupportsBatchDelete,
    SupportsPoolSize,
)

__all__ = ["Call", "RecordingProvider"]

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One provider call: its method, the object name (or listing prefix), its keywords,
    and what it returned (``result``) or raised (``error``)."""

    method: str
    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None
    error: BaseException | None = None


class RecordingProvider:
    """Any provider, with each call recorded in :attr:`calls` (thread-safe).

    ``max_object_size`` / ``max_name_length`` default to the inner provider's and may be
    set lower for a test. ``delete_many`` and ``ensure_pool_size`` exist whatever the inner
    provider offers: they delegate when it has them, and otherwise fall back to one
    ``delete`` per item and to nothing. A pickled copy starts with an empty record.
    """

    def __init__(
        self,
        inner: Provider,
        *,
        max_object_size: int | None = None,
        max_name_length: int | None = None,
    ) -> None:
        self.inner = inner
        self.max_object_size = inner.max_object_size if max_object_size is None else max_object_size
        self.max_name_length = inner.max_name_length if max_name_length is None else max_name_length
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    # --- the record -------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        """Calls by method name (``Counter({"get": 2, "put": 1})``)."""
        with self._lock:
            return Counter(c.method for c in self.calls)

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def _call(self, method: str, name: str, kwargs: Mapping[str, Any], fn: Callable[[], T]) -> T:
        try:
            result = fn()
        except BaseException as exc:
            self._add(Call(method, name, dict(kwargs), None, exc))
            raise
        self._add(Call(method, name, dict(kwargs), result, None))
        return result

    def _add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # --- the Provider protocol ----------------------------------------------------------

    @property
    def name(self) -> str:
        return self.inner.name

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        kwargs = {"if_match": if_match, "if_none_match": if_none_match}
        return self._call("get", name, kwargs, lambda: self.inner.get(name, **kwargs))

    def head(self, name: str) -> ObjectInfo:
        return self._call("head", name, {}, lambda: self.inner.head(name))

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        """Records the keywords as given (the data itself is not kept: ``size`` is)."""
        return self._call(
            "put", name, {**kwargs, "size": len(data)}, lambda: self.inner.put(name, data, **kwargs)
        )

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        kwargs = {"if_match": if_match}
        self._call("delete", name, kwargs, lambda: self.inner.delete(name, if_match=if_match))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Recorded when called, with the listing (all pages) as its result."""
        listed = self._call("list", prefix, {}, lambda: tuple(self.inner.list(prefix)))
        return iter(listed)

    def close(self) -> None:
        self._call("close", "", {}, self.inner.close)

    # --- optional capabilities ------------------------------------------------------------

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        inner = self.inner
        if isinstance(inner, SupportsBatchDelete):
            return self._call(
                "delete_many", "", {"items": tuple(items)}, lambda: inner.delete_many(items)
            )
        failures: dict[str, BaseException] = {}
        for name, if_match in items:
            try:
                self.delete(name, if_match=if_match)
            except (KeyError, KeySyncError) as exc:  # per key, as MemoryProvider reports them
                failures[name] = exc
        return failures

    def ensure_pool_size(self, size: int) -> None:
        if isinstance(self.inner, SupportsPoolSize):
            self.inner.ensure_pool_size(size)

    # --- pickling -------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["calls"] = []
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RecordingProvider({self.inner!r}, {len(self.calls)} calls)"
