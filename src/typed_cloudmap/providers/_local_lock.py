"""Cross-process locks for LocalProvider: a fixed set of ``flock``-ed stripe files.

Each object name (relative to the store's home, so a sub-directory store and its parent take
the same lock) hashes to one of 256 files in ``.typed-cloudmap/locks/``. The folder is 0700
and the files 0600, opened without following links, so no other user can hold a lock and
hang our writers; a wait longer than ``timeout`` seconds raises ``TimeoutError``. The set is
fixed, so lock files never pile up and are never unlinked (that would race with a process
about to lock). ``flock`` locks belong to an open file description, so every acquisition
opens its own descriptor: that excludes other threads of this process too.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

if sys.platform != "win32":
    import fcntl

__all__ = ["LOCKS_AVAILABLE", "object_lock"]

LOCKS_AVAILABLE = sys.platform != "win32"

_STRIPES = 256
_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


@contextmanager
def object_lock(locks_fd: int, key: str, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock guarding object ``key``; ``locks_fd`` is the locks folder."""
    stripe = zlib.crc32(key.encode()) % _STRIPES
    fd = os.open(f"{stripe:02x}", _FLAGS, 0o600, dir_fd=locks_fd)
    try:
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"lock for {key!r} still held by another writer after {timeout:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        yield
    finally:
        os.close(fd)  # closing the last descriptor of the description releases the flock
