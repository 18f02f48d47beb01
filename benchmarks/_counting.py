"""Count HTTP requests as the SDK sends them, through botocore's event system.

``before-send`` fires once per HTTP attempt (retries included) on boto3 and on aiobotocore
(s3fs) clients alike, so the counts are measured, not inferred from the code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["RequestCounter"]


class RequestCounter:
    """A thread-safe counter to hang on any number of botocore event emitters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def _on_send(self, **_: Any) -> None:
        with self._lock:
            self.count += 1

    def attach(self, events: Any) -> RequestCounter:
        """Register on a botocore or aiobotocore emitter (``client.meta.events``)."""
        events.register("before-send", self._on_send)
        return self

    def measure(self, fn: Callable[[], object]) -> int:
        """Requests sent while ``fn()`` runs (run nothing else against the counted clients)."""
        with self._lock:
            start = self.count
        fn()
        with self._lock:
            return self.count - start
