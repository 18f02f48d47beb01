"""Count HTTP requests as the SDK sends them, through botocore's event system.

``before-send`` fires once per HTTP attempt (retries included) on boto3 and on aiobotocore
(s3fs) clients alike, so the counts are measured, not inferred from the code.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

__all__ = ["RequestCounter"]


class RequestCounter:
    """A thread-safe counter to hang on any number of botocore event emitters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.operations: Counter[str] = Counter()
        """Requests by operation name (``before-send.s3.PutObject`` -> ``PutObject``)."""
        self.last: Counter[str] = Counter()

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.count += 1
            self.operations[event_name.rsplit(".", 1)[-1]] += 1

    def attach(self, events: Any) -> RequestCounter:
        """Register on a botocore or aiobotocore emitter (``client.meta.events``)."""
        events.register("before-send", self._on_send)
        return self

    def measure(self, fn: Callable[[], object]) -> int:
        """Requests sent while ``fn()`` runs (run nothing else against the counted clients);
        ``last`` then holds them by operation name."""
        with self._lock:
            start, ops = self.count, Counter(self.operations)
        fn()
        with self._lock:
            self.last = self.operations - ops
            return self.count - start

    def last_text(self) -> str:
        """``last`` as ``GetObject 1, PutObject 1``."""
        return ", ".join(f"{op} {n}" for op, n in sorted(self.last.items()))
