"""One lazy registry design, used by the codec names and the provider URL schemes.

A name resolves, in this order, to what was registered in this process, to a built-in of the
``"module:attr"`` table (imported on first use), or to an installed entry point of the
registry's group (loaded on first use). Every name is taken once: registering a taken name
(built-in, plugin or earlier registration) needs ``replace=True``, and registering the same
target again is a no-op. A built-in whose optional SDK is missing raises
``MissingDependencyError`` with an install hint, as fsspec's ``known_implementations`` do:
the table says which top-level modules it needs and which extra provides them.

This module imports nothing of the package but ``errors``, so both layers (codecs,
providers) can use it without importing each other.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Generic, Protocol, TypeVar

from .errors import MissingDependencyError

__all__ = ["Builtin", "LazyRegistry", "load_object"]

T = TypeVar("T")


class _EntryPoint(Protocol):
    def load(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Builtin:
    """One built-in: where it lives and, for an optional SDK, how to install it."""

    target: str
    """``"module:attr"``."""
    requires: tuple[str, ...] = ()
    """Top-level modules of the optional SDK; an ``ImportError`` naming one of them becomes
    ``MissingDependencyError(package, extra)``."""
    package: str = ""
    extra: str = ""


def load_object(target: str, builtin: Builtin | None = None) -> Any:
    """Import ``"module:attr"``; a missing SDK that ``builtin`` names becomes an install hint."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except MissingDependencyError:
        raise
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if builtin is not None and missing in builtin.requires:
            raise MissingDependencyError(builtin.package, builtin.extra) from exc
        raise
    return getattr(module, attr)


class LazyRegistry(Generic[T]):
    """Names to objects of one kind (codec factories, provider classes), loaded lazily.

    ``normalize`` checks and canonicalizes a name (raising ``ValueError``); ``check`` turns a
    loaded object into a ``T`` or raises; ``unknown(name, known)`` and ``broken(name, entry
    point, error)`` build the errors for an unknown name and a plugin that fails to load.
    """

    def __init__(
        self,
        group: str,
        builtins: Mapping[str, Builtin],
        *,
        normalize: Callable[[str], str],
        check: Callable[[str, object], T],
        unknown: Callable[[str, list[str]], Exception],
        broken: Callable[[str, object, Exception], Exception] | None = None,
    ) -> None:
        self.group = group
        self.builtins = builtins
        self._normalize = normalize
        self._check = check
        self._unknown = unknown
        self._broken = broken
        self._lock = threading.RLock()
        self.registered: dict[str, object] = {}
        """Names registered in this process (the live table; tests save and restore it)."""
        self.loaded: dict[str, T] = {}
        """Objects already imported, by name."""

    def entry_points(self) -> Mapping[str, _EntryPoint]:
        """The installed plugins by name (read afresh each call; tests replace this)."""
        return {ep.name: ep for ep in entry_points(group=self.group)}

    def register(self, name: str, target: object, *, replace: bool = False) -> None:
        """Make ``name`` resolve to ``target`` (an object, or a lazy ``"module:attr"``)."""
        name = self._normalize(name)
        if isinstance(target, str) and ":" not in target:
            raise ValueError(f"expected 'module:attr', got {target!r}")
        with self._lock:
            current = self.registered.get(name)
            if current is target or (isinstance(target, str) and current == target):
                return
            taken = current is not None or name in self.builtins or name in self.entry_points()
            if taken and not replace:
                raise ValueError(f"{name!r} is already taken; pass replace=True to override it")
            self.registered[name] = target
            self.loaded.pop(name, None)

    def names(self) -> list[str]:
        """Every name that can be resolved: registered, built-in and plugin, sorted."""
        with self._lock:
            names = set(self.registered) | set(self.builtins)
        return sorted(names | set(self.entry_points()))

    def resolve(self, name: str) -> T:
        """The object behind ``name``, imported on first use."""
        name = self._normalize(name)
        with self._lock:
            loaded = self.loaded.get(name)
            if loaded is not None:
                return loaded
            target = self.registered.get(name)
            builtin = self.builtins.get(name)
            if isinstance(target, str):
                value = load_object(target)
            elif target is not None:
                value = target
            elif builtin is not None:
                value = load_object(builtin.target, builtin)
            else:
                value = self._load_plugin(name)
            checked = self._check(name, value)
            self.loaded[name] = checked
            return checked

    def _load_plugin(self, name: str) -> object:
        plugin = self.entry_points().get(name)
        if plugin is None:
            raise self._unknown(name, self.names())
        try:
            return plugin.load()
        except MissingDependencyError:
            raise
        except Exception as exc:  # a broken plugin must not read as an unknown name
            if self._broken is None:
                raise
            raise self._broken(name, plugin, exc) from exc
