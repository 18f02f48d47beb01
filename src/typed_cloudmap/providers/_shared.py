"""One SDK client per process for every unpickled copy of the same provider.

A Dask or multiprocessing task carries its own pickled copy of a mapping, and so of its
provider; opening a fresh SDK client for each (a boto3 client costs about a third of a
second) would dominate bulk work. Copies made by unpickling share one client per
configuration in each process; a provider constructed directly keeps its own client, so
its ``close()`` still closes what it opened.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["shared_client"]

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
