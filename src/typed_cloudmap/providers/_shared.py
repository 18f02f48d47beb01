"""A provider's SDK client: opened lazily, shared per process by unpickled copies.

Every cloud provider holds one :class:`LazyClient` (composition: the provider keeps its own
configuration and says how to open and close a client). The client is opened at first use,
under a lock, so constructing a provider does no I/O; ``ensure_pool_size`` replaces it with a
larger connection pool at next use; ``close`` closes what the provider opened.

A Dask or multiprocessing task carries its own pickled copy of a mapping, and so of its
provider; opening a fresh SDK client for each (a boto3 client costs about a third of a
second) would dominate bulk work. Copies made by unpickling (``shared=True``) share one client
per configuration in each process, and their ``close`` leaves it open for the other copies; a
provider constructed directly keeps its own client, so its ``close()`` still closes it.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["LazyClient", "shared_client"]

T = TypeVar("T")

_lock = threading.Lock()
_clients: dict[tuple[str, bytes], Any] = {}


def shared_client(kind: str, config: object, open_client: Callable[[], T]) -> T:
    """The process's client for ``config``, opened with ``open_client`` the first time.

    A configuration that cannot be pickled (a live credential object, say) is not shared.
    """
    try:
        key = (kind, pickle.dumps(config))
    except Exception:  # any pickling failure just means "don't share"
        return open_client()
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = open_client()
    return client


def _close(client: Any) -> None:
    client.close()


class LazyClient(Generic[T]):
    """One provider's client, opened by ``open_client(pool_size)`` at first use.

    ``config`` returns the provider's picklable configuration (the key under which unpickled
    copies share a client); ``close_client`` releases a client this provider opened (by
    default, its ``close()``).
    """

    def __init__(
        self,
        kind: str,
        open_client: Callable[[int], T],
        config: Callable[[], object],
        pool_size: int,
        *,
        close_client: Callable[[T], None] | None = None,
        shared: bool = False,
    ) -> None:
        if pool_size < 1:
            raise ValueError("the connection pool size must be at least 1")
        self._kind = kind
        self._open = open_client
        self._close = close_client or _close
        self._config = config
        self.pool_size = pool_size
        self.shared = shared
        self._lock = threading.Lock()
        self._client: T | None = None

    def get(self) -> T:
        """The live client, opened now if there is none (thread-safe)."""
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    size = self.pool_size
                    if self.shared:
                        client = shared_client(self._kind, self._config(), lambda: self._open(size))
                    else:
                        client = self._open(size)
                    self._client = client
        return client

    def peek(self) -> T | None:
        """The live client, or ``None`` if none is open (never opens one)."""
        return self._client

    def ensure_pool_size(self, size: int) -> None:
        """Hold at least ``size`` connections: a live client is replaced at next use (calls in
        flight finish on the old one)."""
        with self._lock:
            if size > self.pool_size:
                self.pool_size = size
                self._client = None

    def close(self) -> None:
        """Forget the client; close it unless it is the process's shared one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and not self.shared:
            self._close(client)
