"""A local directory over asyncio: :class:`LocalProvider` with its file I/O in threads.

Every guarantee of the sync provider holds, because it does the work: atomic replaces,
fsyncs, and the per-object ``flock`` that makes conditional writes safe across processes (a
sync and an async mapping on one directory, or on one machine, exclude each other).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ._async_threaded import ThreadedAsyncProvider
from .local import LocalProvider

if TYPE_CHECKING:
    pass

__all__ = ["AsyncLocalProvider"]


class AsyncLocalProvider(ThreadedAsyncProvider[LocalProvider]):
    """Objects as files under ``root``; ``options`` are :class:`LocalProvider`'s (``create``,
    ``fsync``, ...). Pass a ``LocalProvider`` instead of a path to share it with a sync
    mapping."""

    _sync_type = LocalProvider

    def __init__(self, root: str | os.PathLike[str] | LocalProvider, **options: Any) -> None:
        if isinstance(root, LocalProvider):
            if options:
                raise TypeError("options go to LocalProvider; pass either a provider or a path")
            super().__init__(root)
        else:
            super().__init__(LocalProvider(root, **options))

    @property
    def root(self) -> str:
        """The absolute path of the directory."""
        return self.sync.root
