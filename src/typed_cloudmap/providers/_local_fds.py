"""The directory descriptors a LocalProvider keeps open: its root and its home's folders.

Opening the root (and ``.typed-cloudmap/tmp``, ``locks``) once instead of on every call
saves several system calls per operation; every path below them is still walked with
``O_NOFOLLOW`` on each call. ``close()`` releases them (they reopen on next use), and so does
garbage collection. A root deleted and re-created under a live provider is seen after
``close()``.
"""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import suppress

from ._local_home import open_home_dir

__all__ = ["DirCache"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def _close_all(fds: dict[str, int]) -> None:
    while fds:
        _, fd = fds.popitem()
        with suppress(OSError):
            os.close(fd)


class DirCache:
    """Lazily opened descriptors: ``root``, ``home``, and the home folders ``tmp``/``locks``."""

    def __init__(self, root: str, home: str) -> None:
        self._paths = {"root": root, "home": home}
        self._fds: dict[str, int] = {}
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._fds)

    def get(self, which: str) -> int:
        fd = self._fds.get(which)
        if fd is None:
            with self._lock:
                fd = self._fds.get(which)
                if fd is None:
                    fd = self._open(which)
                    self._fds[which] = fd
        return fd

    def _open(self, which: str) -> int:
        path = self._paths.get(which)
        if path is not None:
            return os.open(path, _DIR_FLAGS)
        home = self._fds.get("home")
        if home is None:
            home = self._fds["home"] = os.open(self._paths["home"], _DIR_FLAGS)
        return open_home_dir(home, which)

    def close(self) -> None:
        with self._lock:
            _close_all(self._fds)
