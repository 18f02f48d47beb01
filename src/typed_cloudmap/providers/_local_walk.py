"""The LocalProvider listing: one iterative walk in name order, reading only ``lstat``.

Names sort as object stores sort them: within a folder, a file ``x`` sorts as ``x`` and a
sub-folder ``x`` as ``x/``, which makes a depth-first walk yield names in global order. The
walk keeps an explicit stack (a planted 1,000-level tree cannot end it in ``RecursionError``),
stops descending past ``max_name_length``, never follows a link, and skips what is not an
object: links, FIFOs and other special files, names that are not UTF-8, and every
``.typed-cloudmap`` folder. A folder that vanishes or cannot be read mid-walk is skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

from ._base import ObjectInfo
from ._local_fs import etag_of
from ._local_names import HOME_DIR

__all__ = ["walk"]


def _scan(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return list(it)
    except OSError:  # gone (a concurrent delete pruned it), unreadable, or replaced by a file
        return []


def walk(root: str, rel: str, partial: str, max_name_length: int) -> Iterator[ObjectInfo]:
    """Objects in folder ``root/rel`` (``rel`` is ``""`` or ends in ``/``) whose names, after
    ``rel``, start with ``partial``; names are relative to ``root``."""
    # The stack holds, per open folder, its pending entries in reverse order.
    stack: list[list[tuple[str, str, bool]]] = [_entries(root, rel, partial, max_name_length)]
    while stack:
        pending = stack[-1]
        if not pending:
            stack.pop()
            continue
        _, name, is_dir = pending.pop()
        if not is_dir:
            try:
                st = os.stat(os.path.join(root, name), follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                yield ObjectInfo(name, etag_of(st), st.st_size)
        else:
            stack.append(_entries(root, name + "/", "", max_name_length))


def _entries(root: str, rel: str, partial: str, limit: int) -> list[tuple[str, str, bool]]:
    found: list[tuple[str, str, bool]] = []
    for entry in _scan(os.path.join(root, rel) if rel else root):
        segment = entry.name
        if segment == HOME_DIR or not segment.startswith(partial):
            continue
        try:
            size = len(segment.encode("utf-8"))
        except UnicodeEncodeError:  # not UTF-8 on disk: no object name can stand for it
            continue
        if len(rel.encode("utf-8")) + size > limit:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                found.append((segment + "/", rel + segment, True))
            elif entry.is_file(follow_symlinks=False):
                found.append((segment, rel + segment, False))
        except OSError:
            continue
    found.sort(reverse=True)
    return found
