"""What the command line opens: a store URL, its keys, and mappings over it.

A :class:`Store` is a provider plus a prefix and the string key codec the mapping uses, so the
command line lists the same keys a ``CloudMapping[str, V]`` on that URL would see. Values are
read and written through ``CloudMapping`` (validation, codec metadata, conditional writes), one
mapping per codec stack, since every stored object names its own stack in ``tcm_codec``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ._cli_errors import CliUsageError
from ._cli_policy import inferred_stack
from ._keys import KeyCodec
from ._mapping import CloudMapping
from ._metadata import stored_codec
from ._options import url_options
from .codecs import CodecStack, parse_stack
from .errors import CodecError, MissingDependencyError, ValueSizeError
from .providers import ObjectInfo, Provider, open_url
from .providers import _local_names as local_names

__all__ = ["Entry", "ReadResult", "Reader", "Store", "import_object", "open_store", "parse_value"]


def import_object(spec: str, what: str) -> Any:
    """Import ``"module:attr"`` (attr may be dotted) for ``--type``/``--upgrade``.

    The working directory is importable, as it is for ``python -m``.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise CliUsageError(f"{what} {spec!r}: expected 'module:Name', e.g. 'myapp.models:User'")
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliUsageError(f"{what} {spec!r}: cannot import {module_name!r}: {exc}") from exc
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CliUsageError(f"{what} {spec!r}: {module_name!r} has no {attr!r}") from None
    return obj


def parse_codec(spec: str | None, what: str = "--codec") -> CodecStack | None:
    """A codec option as a stack; a bad spelling is a usage error (exit 2)."""
    if spec is None:
        return None
    try:
        return parse_stack(spec)
    except MissingDependencyError:
        raise
    except (CodecError, ValueError, TypeError) as exc:
        raise CliUsageError(f"{what} {spec!r}: {exc}") from exc


def check_local_name(provider: Provider, name: str) -> None:
    """``ValueError`` before any I/O if ``provider`` is local and refuses ``name`` (a
    ``quote``-encoded key with an empty or dot segment); other stores accept such names."""
    from .providers.local import LocalProvider

    if isinstance(provider, LocalProvider):
        local_names.split_name(name)


_HEAD_BATCH = 1000


@dataclass(frozen=True)
class Entry:
    """One key of a listing: its object name, etag and size (from the listing itself)."""

    key: str
    name: str
    etag: str
    size: int | None


@dataclass
class Store:
    """A provider, a prefix and the codec named by ``--codec`` or the URL's ``?codec=``."""

    provider: Provider
    prefix: str
    codec: CodecStack | None
    workers: int = 16
    key_encoding: str = "percent"
    keys: KeyCodec[str] = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.keys = KeyCodec(
                str, self.prefix, self.provider.max_name_length, encoding=self.key_encoding
            )
        except ValueError as exc:
            raise CliUsageError(f"--key-encoding: {exc}") from exc

    def name(self, key: str) -> str:
        """The object name of ``key``; a key that cannot name an object is a usage error,
        one whose name is too long a ``ValueSizeError`` (exit 1, as for a too-big value)."""
        try:
            name = self.keys.encode(key)
            check_local_name(self.provider, name)
        except ValueSizeError:
            raise
        except (TypeError, ValueError) as exc:
            raise CliUsageError(str(exc)) from exc
        return name

    def listing(self, key_prefix: str = "") -> tuple[list[Entry], int]:
        """Every key under the store's prefix (one paginated listing), and how many objects
        were skipped because their names are not keys a mapping writes."""
        name_prefix = self.keys.name_prefix(key_prefix) if key_prefix else self.prefix
        entries: list[Entry] = []
        foreign = 0
        for info in self.provider.list(name_prefix):
            ok, key = self.keys.try_decode(info.name)
            if not ok or key is None:
                foreign += 1
            elif key.startswith(key_prefix):
                entries.append(Entry(key, info.name, info.etag, info.size))
        return entries, foreign

    def heads(
        self, entries: Iterable[Entry], advance: Callable[[int], None] = lambda n: None
    ) -> Iterator[tuple[Entry, ObjectInfo | None]]:
        """HEAD each entry concurrently (for codec metadata); ``None`` if it vanished."""

        def head(entry: Entry) -> tuple[Entry, ObjectInfo | None]:
            try:
                return entry, self.provider.head(entry.name)
            except KeyError:
                return entry, None

        todo = list(entries)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="tcm-cli-head") as pool:
            for start in range(0, len(todo), _HEAD_BATCH):  # bounded futures in flight
                for result in pool.map(head, todo[start : start + _HEAD_BATCH]):
                    advance(1)
                    yield result

    def check_exists(self) -> None:
        """Raise ``ProviderError`` if the directory, bucket or container is missing."""
        next(iter(self.provider.list(self.prefix)), None)

    def stored_codec(self, key: str) -> str | None:
        """The ``tcm_codec`` of the stored object (``KeyError`` if there is none)."""
        info = self.provider.head(self.name(key))
        return stored_codec(info.metadata, key)

    def mapping(
        self,
        value_type: Any,
        codec: CodecStack | str | None,
        *,
        upgrade: Any = None,
        read_blindly: bool = True,
        sync_initially: bool = False,
    ) -> CloudMapping[str, Any]:
        """A mapping over this store with ``codec`` (the mapping's default if ``None``)."""
        kwargs: dict[str, Any] = {}
        if upgrade is not None:
            kwargs["upgrade"] = upgrade
        try:
            return CloudMapping(
                self.provider,
                prefix=self.prefix,
                codec=codec,
                key_type=str,
                value_type=value_type,
                read_blindly=read_blindly,
                sync_initially=sync_initially,
                max_workers=self.workers,
                key_encoding=self.key_encoding,
                **kwargs,
            )
        except (TypeError, CodecError) as exc:
            raise CliUsageError(str(exc)) from exc


# Schemes whose ``create`` option makes a directory, bucket or container.
_CREATING_SCHEMES = frozenset({"file", "s3", "az", "gs"})


def open_store(
    url: str,
    codec: str | None,
    *,
    workers: int = 16,
    key_encoding: str = "percent",
    read_only: bool = False,
    allow_pickle: bool = False,
) -> Store:
    """Open ``url``; ``codec`` (from ``--codec``) wins over the URL's ``?codec=``.

    A malformed URL, an unknown scheme or option, or a bad codec name is a usage error.
    ``read_only`` stores never create their directory, bucket or container. A ``?codec=``
    naming ``pickle`` needs ``allow_pickle`` (``--allow-pickle``); ``--codec`` needs nothing.
    """
    scheme = url.partition("://")[0].lower()
    overrides = {"create": "false"} if read_only and scheme in _CREATING_SCHEMES else None
    try:
        provider, prefix, options = open_url(url, overrides=overrides)
    except MissingDependencyError:
        raise
    except (ValueError, TypeError) as exc:
        raise CliUsageError(str(exc)) from exc
    try:  # the parser CloudMapping(url) uses; read_blindly/sync_initially are accepted, but
        # every command reads the latest version and lists for itself
        flags = url_options(
            options, allow_pickle=allow_pickle or codec is not None, opt_in="--allow-pickle"
        )
    except ValueError as exc:
        raise CliUsageError(str(exc)) from exc
    stack = parse_codec(codec) or parse_codec(flags.codec, "URL option codec")
    return Store(provider, prefix, stack, workers=workers, key_encoding=key_encoding)


def parse_value(data: bytes, fmt: str) -> Any:
    """A ``put`` VALUE for a serializer of format ``fmt``: bytes, text, or else JSON."""
    if fmt == "bytes":
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliUsageError(f"VALUE is not UTF-8 text: {exc}") from exc
    if fmt == "text":
        return text
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliUsageError(f"VALUE is not valid JSON ({exc}); quote strings: '\"text\"'") from exc


@dataclass
class ReadResult:
    """Decoded values by key, and the failure of every key that could not be read."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)


class Reader:
    """Reads keys concurrently, each decoded with the user's stack or one inferred from metadata.

    The stack the user named (``--codec`` or ``?codec=``) is used as given, parameters and key
    included. Without one, each object's ``tcm_codec`` may only select a stack
    :func:`~._cli_policy.inferred_stack` allows (never ``pickle``), and none at all when
    ``require`` names integrity stages (``hmac``) the read must have. Reads go through
    ``CloudMapping`` (typed decode, codec checks, upgrades), one mapping per stack: the stack of
    the first key read, and another for each key stored with a stack the first cannot decode.
    Objects with no ``tcm_codec`` read with ``fallback``.
    """

    def __init__(
        self,
        store: Store,
        value_type: Any,
        *,
        upgrade: Any = None,
        fallback: str = "orjson",
        require: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.value_type = value_type
        self.upgrade = upgrade
        self.fallback = fallback
        self.require = require
        self._primary: CloudMapping[str, Any] | None = None
        self._by_stack: dict[str, CloudMapping[str, Any]] = {}
        self._lock = threading.Lock()

    def _for_stack(self, stored: str | None) -> CloudMapping[str, Any]:
        """The mapping for an object stored with ``stored``; ``CodecError`` if it is refused."""
        stack = self.store.codec
        if stack is None:
            stack = inferred_stack(stored or self.fallback, self.require)
        with self._lock:
            mapping = self._by_stack.get(stack.name)
            if mapping is None:
                mapping = self.store.mapping(self.value_type, stack, upgrade=self.upgrade)
                self._by_stack[stack.name] = mapping
        return mapping

    def _stored(self, key: str) -> str | None:
        try:
            return self.store.stored_codec(key)
        except KeyError:
            return None

    def get(self, key: str) -> Any:
        """One value, decoded with its stored stack; ``KeyError`` if it is missing."""
        stored = None if self.store.codec is not None else self.store.stored_codec(key)
        return self._for_stack(stored)[key]

    def _read_one(self, key: str) -> tuple[bool, Any]:
        """``(True, value)``, ``(False, error)``, or ``(True, _GONE)`` if deleted meanwhile."""
        primary = self._primary
        first: BaseException | None = None
        if primary is not None:
            try:
                return True, primary[key]
            except KeyError:
                return True, _GONE
            except CodecError as exc:
                first = exc
            except Exception as exc:  # reported per key
                return False, exc
            if self.store.codec is not None:
                return False, first
        try:
            stored = self._stored(key)
            known = stored is None or (primary is not None and primary.codec.can_decode(stored))
            if first is not None and known:
                return False, first
            return True, self._for_stack(stored)[key]
        except KeyError:
            return True, _GONE
        except Exception as exc:  # reported per key
            return False, exc

    def read(self, keys: list[str]) -> ReadResult:
        """Read ``keys`` concurrently; keys deleted since the listing are left out."""
        result = ReadResult()
        if not keys:
            return result
        if self._primary is None:
            stored = None if self.store.codec is not None else self._stored(keys[0])
            with contextlib.suppress(CodecError):  # refused: each key then reads on its own
                self._primary = self._for_stack(stored)
        with ThreadPoolExecutor(self.store.workers, thread_name_prefix="tcm-cli-read") as pool:
            for key, (ok, value) in zip(keys, pool.map(self._read_one, keys), strict=True):
                if not ok:
                    result.errors[key] = value
                elif value is not _GONE:
                    result.values[key] = value
        return result


_GONE: Any = object()
