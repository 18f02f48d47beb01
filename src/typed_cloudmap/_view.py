"""The etag view: which version of each object a mapping last saw.

It decides how every operation is conditioned (create-only, ``If-Match``) and carries each
version's write-token history (see ``_metadata``) so the next write through it can name it.

It changes in two ways only: ``advance`` (one name, only if the view still holds the
version the caller saw when it started, or the new version's history shows it was built on
the one held) and ``replace`` (a fresh listing of a scope, from ``sync``). So a slow
operation can never put an older version back over a newer one that another thread of the
same mapping recorded meanwhile. All methods are thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

__all__ = ["EtagView", "Version", "descends"]


class Version(NamedTuple):
    """One stored version: its etag and the token history a write replacing it stores.

    A tuple, so a pickled view or task result stays small and loads on every Python.
    """

    etag: str
    chain: str = ""


def descends(new: Version | None, current: Version | None) -> bool:
    """Whether version ``new`` was written over ``current`` or over one built on it.

    A version's history starts with its own write token; a later version's history names
    it (for ``HISTORY`` writes). Versions known only from a listing have no history.
    """
    if new is None or current is None or not current.chain or not new.chain:
        return False
    own = current.chain.split(" ", 1)[0]
    return own in new.chain.split()[1:]


class EtagView:
    """Object name -> ``Version`` last seen.

    ``on_drop(name)`` runs when a name leaves the view (the read cache forgets it).
    """

    def __init__(self, on_drop: Callable[[str], None] | None = None) -> None:
        self._versions: dict[str, Version] = {}
        self._lock = threading.Lock()
        self._on_drop = on_drop

    def get(self, name: str) -> str | None:
        """The etag in the view for ``name`` (``None``: believed absent)."""
        version = self._versions.get(name)  # one dict read: atomic under the GIL
        return None if version is None else version.etag

    def version(self, name: str) -> Version | None:
        return self._versions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._versions

    def __len__(self) -> int:
        return len(self._versions)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._versions)

    def snapshot(self) -> dict[str, str]:
        """Name -> etag, a copy."""
        with self._lock:
            return {name: v.etag for name, v in self._versions.items()}

    def versions(self) -> dict[str, Version]:
        """Name -> ``Version``, a copy (what a pickled mapping carries)."""
        with self._lock:
            return dict(self._versions)

    def advance(self, name: str, seen: str | None, new: Version | None) -> bool:
        """Move ``name`` from the version the caller saw (``seen``) to ``new``.

        ``new=None`` drops the name. When the view no longer holds ``seen`` (another
        operation of this mapping recorded a version meanwhile), ``new`` is recorded only if
        its history shows it was built on the version now held (see ``descends``); else
        nothing changes and ``False`` is returned. A ``new`` of the same etag with an empty
        history keeps the known history.
        """
        with self._lock:
            current = self._versions.get(name)
            if (None if current is None else current.etag) != seen and not descends(new, current):
                return False
            if new is None:
                if current is None:
                    return True
                del self._versions[name]
            else:
                if current is not None and current.etag == new.etag and not new.chain:
                    new = current
                self._versions[name] = new
                return True
        if self._on_drop is not None:
            self._on_drop(name)
        return True

    def replace(self, in_scope: Callable[[str], bool], listed: Mapping[str, str]) -> None:
        """Replace every entry ``in_scope`` with ``listed`` (a fresh listing of that scope).

        A listed version already in the view keeps its token history.
        """
        with self._lock:
            old = {n: self._versions.pop(n) for n in [n for n in self._versions if in_scope(n)]}
            for name, etag in listed.items():
                known = old.get(name)
                self._versions[name] = known if known and known.etag == etag else Version(etag)

    def load(self, versions: Iterable[tuple[str, Version]]) -> None:
        """Fill a fresh view (an unpickled mapping's) with the versions it was pickled with."""
        with self._lock:
            if self._versions:
                raise RuntimeError("load() fills an empty view only")
            self._versions.update(versions)
