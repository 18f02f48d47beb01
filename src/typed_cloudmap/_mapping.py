"""``CloudMapping``: keys + values + codecs + a provider + the etag view, composed."""

from __future__ import annotations

from collections.abc import (
    Callable,
    Generator,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
    ValuesView,
)
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast

from typing_extensions import Self, TypeVar

from . import _atomic, _bulk
from ._cache import ReadCache, read_cache
from ._core import MappingCore
from ._dictionaries import bind_dictionaries, train_dictionaries
from ._generic import specialise
from ._metadata import META_CODEC, META_PRIOR, META_SCHEMA, META_TOKEN
from ._options import open_mapping_url, pick_type, rebuild, stack_for
from ._values import Upgrade
from ._view import EtagView, Version
from ._watch import Change, watch_changes
from .codecs import CodecStack, Serializer, Transform
from .codecs._limits import check_limit
from .errors import ValueSizeError
from .providers import Provider, SupportsPoolSize, ensure_sync_provider

__all__ = ["META_CODEC", "META_PRIOR", "META_SCHEMA", "META_TOKEN", "CloudMapping"]

K = TypeVar("K", default=str)
V = TypeVar("V", default=bytes)

CodecSpec = str | Sequence[str | Serializer | Transform] | CodecStack | None
_DEFAULT_DECODED_LIMIT = 512 * 1024**2


class CloudMapping(MutableMapping[K, V], Generic[K, V]):
    """A typed ``dict`` over object storage; every write and delete is etag-conditional.

    ``CloudMapping[str, User](provider, prefix="users/", codec="orjson|zstd")`` validates
    values as ``User`` on write, decodes them into ``User`` on read, and refuses to overwrite
    or delete a version it has not seen (``KeySyncError``). Unparameterised, it is a
    ``CloudMapping[str, bytes]`` with the ``raw`` codec.

    Args:
        provider: a ``Provider`` or a URL (``memory://``, ``file://PATH``,
            ``s3://bucket/prefix``, ``az://container/prefix``, ``gs://bucket/prefix``) whose
            query may set provider options and ``codec``, ``read_blindly``, ``sync_initially``.
        prefix: prepended to every object name (after the URL's own prefix).
        codec: a stack such as ``"orjson|zstd"``, a list of names or codec objects; default
            ``orjson``, or ``raw`` for ``bytes`` values. ``pickle`` is used only if named.
        sync_initially: list the prefix once at construction to fill the etag view.
        read_blindly: read (and answer ``in``) from the cloud's latest version rather than
            the version in the view.
        max_workers: threads of the bulk operations' own pool.
        executor: a ``concurrent.futures.Executor`` for bulk operations instead of that pool.
        max_decoded_size: refuse stored objects that decode to more bytes than this.
        cache: ``True`` or a ``ReadCache`` to revalidate re-reads with ``If-None-Match``.
        upgrade: how values stored under an older schema fingerprint become ``V``.
        key_encoding: ``"percent"`` (default) or ``"quote"`` (cloud-mappings' object names).
        allow_pickle: let a URL's ``?codec=`` name ``pickle`` (refused otherwise: a URL is
            configuration, and unpickling runs code). A ``codec=`` argument needs no opt-in.
        key_type: ``K``, when not given by subscripting.
        value_type: ``V``, when not given by subscripting.
    """

    _key_type: ClassVar[Any] = None
    _value_type: ClassVar[Any] = None

    if not TYPE_CHECKING:

        def __class_getitem__(cls, params: Any) -> Any:
            return specialise(cls, params)

    def __init__(
        self,
        provider: Provider | str,
        *,
        prefix: str = "",
        codec: CodecSpec = None,
        sync_initially: bool = True,
        read_blindly: bool = False,
        max_workers: int = 16,
        executor: Executor | None = None,
        max_decoded_size: int | None = _DEFAULT_DECODED_LIMIT,
        cache: bool | ReadCache | None = None,
        upgrade: Upgrade | None = None,
        key_encoding: str = "percent",
        allow_pickle: bool = False,
        key_type: type[K] | None = None,
        value_type: type[V] | None = None,
    ) -> None:
        key_type = pick_type("key_type", self._key_type, key_type, str)
        value_type = pick_type("value_type", self._value_type, value_type, bytes)
        if isinstance(provider, str):  # the query's options, parsed as the CLI parses them
            provider, prefix, codec, read_blindly, sync_initially = open_mapping_url(
                provider, prefix, codec, read_blindly, sync_initially, allow_pickle=allow_pickle
            )
        provider = ensure_sync_provider(provider)  # an async provider: AsyncCloudMapping
        if isinstance(provider, SupportsPoolSize):
            provider.ensure_pool_size(max_workers)  # one connection per bulk thread
        self.provider: Provider = provider
        self.prefix = prefix
        self.key_type: type[K] = key_type
        self.value_type: Any = value_type
        self.max_workers = max_workers
        self.max_decoded_size = check_limit(max_decoded_size)
        self.key_encoding = key_encoding
        self.cache = read_cache(cache)
        self._core: MappingCore[K, V] = MappingCore(
            provider,
            key_type=key_type,
            value_type=value_type,
            codec=bind_dictionaries(provider, prefix, stack_for(codec, value_type)),
            prefix=prefix,
            key_encoding=key_encoding,
            max_decoded_size=self.max_decoded_size,
            upgrade=upgrade,
            read_blindly=read_blindly,
            cache=self.cache,
        )
        self._view = EtagView(on_drop=self._forget_cached)
        self._pool = _bulk.BulkPool(max_workers, executor)
        if sync_initially:
            self.sync()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        """Open a mapping from a URL such as ``s3://bucket/prefix?codec=orjson|zstd``."""
        return cls(url, **kwargs)

    @property
    def codec(self) -> CodecStack:
        """The codec stack values are written with."""
        return self._core.codec

    @property
    def read_blindly(self) -> bool:
        """Whether reads (and ``in``) take the cloud's latest version, not the view's."""
        return self._core.read_blindly

    @property
    def fingerprint(self) -> str:
        """The schema fingerprint of ``V`` stored with every object (``tcm_schema``)."""
        return self._core.values.fingerprint

    def train_dictionary(self, samples: Iterable[V], *, size: int = 16 * 1024) -> None:
        """Train the zstd dictionaries the codec names (``zstd:dict=NAME``) from ``samples``.

        The dictionary is stored with the data, create-only, so every writer and reader of
        the mapping uses the same one. Already-stored dictionaries are kept, never replaced.
        """
        bodies = [self._core.values.serialize("<sample>", s)[1] for s in samples]
        codec = train_dictionaries(self.provider, self.prefix, self.codec, bodies, size)
        self._core = self._core.with_codec(codec)

    # --- the etag view --------------------------------------------------------------------

    @property
    def etags(self) -> Mapping[K, str]:
        """The mapping's view of the cloud: each key it knows with the etag it last saw."""
        items = self._view.snapshot().items()
        return {self._core.keys.decode(name): etag for name, etag in items}

    def sync(self, prefix: str | None = None) -> None:
        """Refresh the view from one paginated listing; drop keys deleted by other writers.

        ``prefix`` is in key space (a key's string form) and under the mapping's own prefix;
        keys outside it are left alone.
        """
        core = self._core
        name_prefix, listed = core.listing(prefix)
        self._view.replace(lambda name: core.in_scope(name, name_prefix, prefix), listed)

    sync_with_cloud = sync

    def watch(
        self, *, interval: float = 5.0, prefix: str | None = None
    ) -> Generator[Change[K, V], None, None]:
        """Yield a ``Change`` as other writers add, modify or delete keys (polls; ``_watch``)."""
        return watch_changes(self, interval=interval, prefix=prefix)

    def _forget_cached(self, name: str) -> None:
        if self.cache is not None:
            self.cache.discard(name)

    def _advance(self, name: str, seen: Version | None, new: Version | None) -> None:
        self._view.advance(name, None if seen is None else seen.etag, new)

    # --- reads ----------------------------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        name = self._core.keys.encode(key)
        seen = self._view.version(name)
        try:
            read = self._core.fetch(key, name, seen)
        except KeyError:
            raise KeyError(key) from None
        self._advance(name, seen, read.version)
        return read.value

    def __contains__(self, key: object) -> bool:
        try:
            name = self._core.keys.encode(cast(K, key))
        except ValueSizeError:
            raise  # a key too long for the provider is an error, not an absent key
        except (TypeError, ValueError):
            return False
        if not self.read_blindly:
            return name in self._view
        seen = self._view.version(name)
        found = self._core.head(cast(K, key), name)
        self._advance(name, seen, found)
        return found is not None

    def __iter__(self) -> Iterator[K]:
        names = self._view.names()
        return (self._core.keys.decode(n) for n in names)

    def __len__(self) -> int:
        return len(self._view)

    # --- writes ---------------------------------------------------------------------------

    def __setitem__(self, key: K, value: V) -> None:
        name = self._core.keys.encode(key)
        seen = self._view.version(name)
        written = self._core.write(key, name, value, seen)[1]
        if written.version is not None:  # None: landed, then replaced by another writer
            self._advance(name, seen, written.version)

    def __delitem__(self, key: K) -> None:
        name = self._core.keys.encode(key)
        expected = self._view.get(name)
        if expected is None:
            raise KeyError(key)
        self._core.delete(key, name, expected)
        self._view.advance(name, expected, None)

    # --- atomic operations ----------------------------------------------------------------

    def setdefault(self, key: K, default: V | None = None) -> V:
        """``self[key]`` if present, else store ``default`` create-only and return it.

        Atomic across writers: losers of a race return the winner's value.
        """
        return _atomic.setdefault(self._core, self._view, key, default)

    def modify(
        self,
        key: K,
        fn: Callable[[V], V],
        default: V = _atomic.MISSING,
        *,
        timeout: float = 300.0,
    ) -> V:
        """Read-modify-write ``key`` until no other writer intervened; return what was stored.

        ``fn`` gets the current value (``default`` if the key is absent) and returns the new
        one; it may run several times. A conflict is retried with jittered exponential
        backoff, so concurrent increments never lose an update. When ``modify`` raises,
        nothing ``fn`` computed was stored.
        """
        return _atomic.modify(self._core, self._view, key, fn, default, timeout)

    # --- bulk operations ------------------------------------------------------------------

    def get_many(self, keys: Iterable[K], *, executor: Executor | None = None) -> dict[K, V]:
        """The values of the keys that exist, fetched concurrently; missing keys are left out.

        Any other failure (a conflict, a decode error) raises one ``BulkError`` after every key
        was tried.
        """
        return _bulk.get_many(self._core, self._view, self._pool, executor, keys)

    def set_many(
        self,
        items: Mapping[K, V] | Iterable[tuple[K, V]],
        *,
        executor: Executor | None = None,
    ) -> None:
        """Write every item concurrently, each conditional on the view; failures are
        collected into one ``BulkError`` while every other key lands."""
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        _bulk.set_many(self._core, self._view, self._pool, executor, pairs)

    def delete_many(self, keys: Iterable[K], *, executor: Executor | None = None) -> None:
        """Delete every key, each conditional on its etag; uses the provider's batch delete
        where it has one. Keys not in the view fail with ``KeyError`` in the ``BulkError``."""
        _bulk.delete_many(self._core, self._view, self._pool, executor, keys)

    def _iter_items(self) -> Iterator[tuple[K, V]]:
        keys = list(self)
        for start in range(0, len(keys), _bulk.CHUNK):
            chunk = keys[start : start + _bulk.CHUNK]
            found = self.get_many(chunk)
            for key in chunk:
                if key in found:
                    yield key, found[key]

    def items(self) -> ItemsView[K, V]:
        """Key-value pairs, fetched in bulk (``get_many``) rather than one GET at a time."""
        return _BulkItems(self)

    def values(self) -> ValuesView[V]:
        """Values, fetched in bulk (``get_many``) rather than one GET at a time."""
        return _BulkValues(self)

    def update(self, other: Any = (), /, **kwargs: V) -> None:
        """``dict.update`` through ``set_many``: every item lands or is named in a BulkError."""
        pairs: dict[K, V] = {}
        if isinstance(other, Mapping):
            pairs.update(other)
        elif hasattr(other, "keys"):
            pairs.update((k, other[k]) for k in other.keys())  # noqa: SIM118  # dict.update protocol: call keys()
        else:
            pairs.update(other)
        pairs.update(kwargs)  # type: ignore[arg-type]  # keyword keys are str, as in dict
        self.set_many(pairs)

    def clear(self) -> None:
        """Delete every key in the view through ``delete_many``."""
        self.delete_many(list(self))

    def close(self) -> None:
        """Shut down the mapping's own thread pool and the provider's clients."""
        self._pool.close()
        self.provider.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- presentation and pickling --------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(provider={self.provider.name!r}, "
            f"prefix={self.prefix!r}, codec={self.codec.name!r}, keys={len(self)})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        state = {
            "provider": self.provider,
            "prefix": self.prefix,
            "codec": self.codec,
            "read_blindly": self.read_blindly,
            "max_workers": self.max_workers,
            "max_decoded_size": self.max_decoded_size,
            "cache": self.cache,
            "upgrade": self._core.values.upgrade,
            "key_encoding": self.key_encoding,
            "view": self._view.versions(),
        }
        cls: type = type(self)
        specialised = False
        while cls.__dict__.get("_is_specialisation"):
            cls, specialised = cls.__base__, True  # type: ignore[assignment]  # one base
        return (rebuild, (cls, specialised, self.key_type, self.value_type, state))


class _BulkItems(ItemsView[K, V]):
    _mapping: CloudMapping[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return self._mapping._iter_items()


class _BulkValues(ValuesView[V]):
    _mapping: CloudMapping[Any, V]

    def __iter__(self) -> Iterator[V]:
        return (v for _, v in self._mapping._iter_items())
