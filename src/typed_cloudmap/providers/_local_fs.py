"""File-system steps of LocalProvider that never follow a link planted in the store.

A directory other local users can write to is hostile input. Every path below the root is
walked one component at a time with ``openat(O_NOFOLLOW)``, so a symlink where a directory
or a file should be is refused (``UnsafeEntryError``), never followed; a data file is opened
``O_NONBLOCK`` and must be a regular file, so a FIFO cannot block a reader; sizes are checked
before anything is read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from contextlib import suppress

__all__ = [
    "CollisionError",
    "UnsafeEntryError",
    "close_quietly",
    "etag_of",
    "open_data",
    "open_dirs",
    "read_exact",
    "write_all",
]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_DATA_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_MAX_READ = 1 << 30  # Linux returns at most ~2 GiB per read


class UnsafeEntryError(OSError):
    """A symlink, FIFO, socket or device where a store file or directory should be."""


class CollisionError(OSError):
    """A file where a directory should be, or the reverse (keys ``a`` and ``a/b``)."""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


def etag_of(st: os.stat_result) -> str:
    """An etag from the inode, size and both timestamps.

    Every LocalProvider write renames a new inode into place, and an in-place edit by another
    tool changes the size or ``mtime``/``ctime`` (``ctime`` cannot be set by a user).
    """
    return f'"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}-{st.st_ctime_ns:x}"'


def open_dirs(
    root_fd: int, segments: Sequence[str], *, create: bool = False, mode: int = 0o777
) -> int:
    """A descriptor of directory ``root/segments...``, walked without following links.

    ``create`` makes missing directories. Raises ``FileNotFoundError`` when one is missing
    (and not created), ``CollisionError`` when a component is a file, ``UnsafeEntryError``
    when it is a link or special file. The caller closes the returned descriptor.
    """
    fd = os.dup(root_fd)
    try:
        for depth, segment in enumerate(segments):
            try:
                child = os.open(segment, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with suppress(FileExistsError):  # made by a concurrent writer in between
                    os.mkdir(segment, mode, dir_fd=fd)
                child = os.open(segment, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                where = "/".join(segments[: depth + 1])
                st = os.stat(segment, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    raise CollisionError(
                        errno.ENOTDIR, f"{where!r} is a file, not a folder"
                    ) from None
                raise UnsafeEntryError(
                    errno.ELOOP, f"{where!r} is {_kind(st.st_mode)}, refused"
                ) from None
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_data(dir_fd: int, name: str) -> tuple[int, os.stat_result] | None:
    """A descriptor and ``fstat`` of the regular file ``name``; ``None`` if it is missing.

    A directory of that name is a prefix of other objects, not an object: ``None`` too.
    A link or special file raises ``UnsafeEntryError``; opening never blocks (``O_NONBLOCK``).
    """
    try:
        fd = os.open(name, _DATA_FLAGS, dir_fd=dir_fd)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise UnsafeEntryError(errno.ELOOP, f"{name!r} is a symbolic link, refused") from None
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        return fd, st
    os.close(fd)
    if stat.S_ISDIR(st.st_mode):
        return None
    raise UnsafeEntryError(errno.EINVAL, f"{name!r} is {_kind(st.st_mode)}, not a regular file")


def read_exact(fd: int, size: int) -> bytes:
    """``size`` bytes from the start of ``fd`` (fewer if the file shrank meanwhile)."""
    chunks: list[bytes] = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, min(size - offset, _MAX_READ), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view[:_MAX_READ])
        view = view[written:]


def close_quietly(fd: int | None) -> None:
    if fd is not None:
        with suppress(OSError):
            os.close(fd)
