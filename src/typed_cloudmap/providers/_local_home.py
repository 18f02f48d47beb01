"""The ``.typed-cloudmap/`` folder of a LocalProvider store: locks, temp files, sidecars.

A store keeps its own files in one hidden folder, never mixed with the data: ``locks/`` (the
stripe files), ``tmp/`` (writes in progress; a crashed writer's leftovers stay here, outside
every listing) and, only where the file system has no user extended attributes, ``meta/``.
A ``.gitignore`` of ``*`` keeps the folder out of ``git add``.

Opening a sub-directory as a store must share locks and sidecars with the store above it, so
the home is the *outermost* directory, from the root up and on the root's file system, that
holds a ``.typed-cloudmap`` folder owned by this user and writable by nobody else (a folder
planted by another user is ignored); without one, the root itself (the folder is made on the
first write).
"""

from __future__ import annotations

import os
import stat

from ._local_fs import UnsafeEntryError, open_dirs
from ._local_names import HOME_DIR

__all__ = ["find_home", "open_home_dir"]

_MAX_LEVELS = 64


def _owned_home(directory: str) -> bool:
    try:
        st = os.lstat(os.path.join(directory, HOME_DIR))
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def find_home(root: str) -> tuple[str, tuple[str, ...]]:
    """The home directory of the store at ``root`` and the segments from it to ``root``."""
    home = root
    current: str = root
    below: tuple[str, ...] = ()
    base = below
    try:
        device = os.stat(root).st_dev
    except OSError:
        return home, base
    for _ in range(_MAX_LEVELS):
        if _owned_home(current):
            home, base = current, below
        parent = os.path.dirname(current)
        try:
            if parent == current or os.stat(parent).st_dev != device:
                break  # temp files are renamed into the store: never leave its file system
        except OSError:
            break
        below = (os.path.basename(current), *below)
        current = parent
    return home, base


def open_home_dir(home_fd: int, part: str) -> int:
    """A descriptor of ``.typed-cloudmap/<part>``, made (0700) if missing and checked ours."""
    created = False
    try:
        top = open_dirs(home_fd, [HOME_DIR])
    except FileNotFoundError:
        try:
            os.mkdir(HOME_DIR, 0o700, dir_fd=home_fd)
            created = True
        except FileExistsError:
            pass
        top = open_dirs(home_fd, [HOME_DIR])
    try:
        st = os.fstat(top)
        if st.st_uid != os.geteuid() or st.st_mode & 0o022:
            raise UnsafeEntryError(
                0, f"{HOME_DIR} is not owned by this user or is writable by others, refused"
            )
        if created:
            fd = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644, dir_fd=top)
            try:
                os.write(fd, b"# typed-cloudmap's locks and temp files\n*\n")
            finally:
                os.close(fd)
        return open_dirs(top, [part], create=True, mode=0o700)
    finally:
        os.close(top)
