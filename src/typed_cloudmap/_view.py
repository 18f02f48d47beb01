"""The etag view: which version of each object a mapping last saw.

It decides how every operation is conditioned (create-only, ``If-Match``) and carries each
version's write-token history (see ``_tokens``) so the next write through it can name it.
All methods are thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["UNSET", "EtagView"]

UNSET: Any = object()


class EtagView:
    """Object name -> etag of the version last seen (and that version's token history).

    ``on_drop(name)`` runs when a name leaves the view (the read cache forgets it).
    """

    def __init__(self, on_drop: Callable[[str], None] | None = None) -> None:
        self._etags: dict[str, str] = {}
        self._chains: dict[str, str] = {}
        self._lock = threading.Lock()
        self._on_drop = on_drop

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._etags.get(name)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._etags

    def __len__(self) -> int:
        with self._lock:
            return len(self._etags)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._etags)

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._etags)

    def chain_for(self, name: str, etag: str) -> str:
        """The token history of version ``etag``, if that is the version in the view."""
        with self._lock:
            return self._chains.get(name, "") if self._etags.get(name) == etag else ""

    def record(
        self,
        name: str,
        etag: str | None,
        expected: str | None = UNSET,
        chain: str | None = None,
    ) -> None:
        """Set (or with ``None`` drop) an entry; with ``expected``, only if still that.

        ``chain`` is version ``etag``'s token history; ``None`` keeps a known history of the
        same version and forgets that of another.
        """
        with self._lock:
            current = self._etags.get(name)
            if expected is not UNSET and current != expected:
                return
            if etag is None:
                self._etags.pop(name, None)
                self._chains.pop(name, None)
            else:
                self._etags[name] = etag
                if chain is not None:
                    self._chains[name] = chain
                elif current != etag:
                    self._chains.pop(name, None)
                return
        if self._on_drop is not None:
            self._on_drop(name)

    def replace(self, in_scope: Callable[[str], bool], listed: Mapping[str, str]) -> None:
        """Replace every entry ``in_scope`` with ``listed`` (a fresh listing of that scope)."""
        with self._lock:
            for name in [n for n in self._etags if in_scope(n)]:
                if listed.get(name) != self._etags.pop(name):
                    self._chains.pop(name, None)
            self._etags.update(listed)

    def update(self, etags: Mapping[str, str]) -> None:
        with self._lock:
            self._etags.update(etags)
