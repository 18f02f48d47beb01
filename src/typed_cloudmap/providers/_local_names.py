"""Object names <-> paths under a LocalProvider root: verbatim, or refused before any I/O.

Object ``a/b/c`` is the file ``root/a/b/c``: every segment is a path component as it is, so
the directory reads naturally with ``cat``, ``git`` or ``aws s3 sync``. A name a POSIX file
system cannot hold is refused with a ``ValueError`` that names the key and the reason: an
empty, ``.`` or ``..`` segment (a name must never leave the root), NUL, a segment over 255
bytes of UTF-8, text that does not encode, or a segment named ``.typed-cloudmap`` (the folder
where a store keeps its locks, temp files and, where the file system has no extended
attributes, its metadata). A key ``a`` beside ``a/b`` cannot exist on a file system either;
that is known only from the disk, so the write that would collide raises the same kind of
error (see ``LocalProvider.put``).
"""

from __future__ import annotations

__all__ = ["HOME_DIR", "MAX_SEGMENT", "prefix_segments", "split_name"]

HOME_DIR = ".typed-cloudmap"
MAX_SEGMENT = 255  # bytes per path component on every common Linux/macOS file system


def _refuse(name: str, reason: str) -> ValueError:
    return ValueError(f"object name {name!r} cannot be a file under LocalProvider: {reason}")


def split_name(name: str) -> list[str]:
    """The path segments of object ``name``; ``ValueError`` naming it and why if refused."""
    if not name:
        raise _refuse(name, "it is empty")
    if name.startswith("/"):
        raise _refuse(name, "it is absolute (starts with '/')")
    if "\x00" in name:
        raise _refuse(name, "it contains NUL")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(name, "it is not valid Unicode text") from None
    segments = name.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise _refuse(name, "it has an empty, '.' or '..' segment (it could leave the root)")
        if segment == HOME_DIR:
            raise _refuse(name, f"{HOME_DIR!r} is the store's own folder")
        if len(segment.encode("utf-8")) > MAX_SEGMENT:
            raise _refuse(name, f"a segment is over {MAX_SEGMENT} bytes, the file system limit")
    return segments


def prefix_segments(prefix: str) -> tuple[list[str], str] | None:
    """The complete directory segments of ``prefix`` and its partial last segment.

    ``None`` when no name LocalProvider accepts can start with ``prefix``.
    """
    *complete, partial = prefix.split("/")
    for segment in complete:
        if segment in ("", ".", "..", HOME_DIR) or "\x00" in segment:
            return None
        if len(segment.encode("utf-8", "surrogatepass")) > MAX_SEGMENT:
            return None
    return complete, partial
