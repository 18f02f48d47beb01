"""``AsyncCloudMapping``: the asyncio twin of ``CloudMapping``, over the same core.

Every decision (conditions, metadata, reconciliation, view updates, size checks, decoding,
bulk bookkeeping) is a plan of ``MappingCore``, ``_atomic`` or ``_bulk_batch``; this module
only awaits those plans on an :class:`AsyncProvider` (``_plan.arun``) and moves its view.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast

from typing_extensions import Self, TypeVar

from . import _async_bulk, _atomic
from ._async_watch import awatch_changes
from ._bulk_batch import CHUNK
from ._cache import ReadCache, read_cache
from ._core import MappingCore
from ._dictionaries import plan_bind, plan_train
from ._generic import specialise
from ._options import open_mapping_url, pick_type, stack_for
from ._plan import arun
from ._values import Upgrade
from ._view import EtagView, Version
from ._watch_diff import Change
from .codecs import CodecStack
from .codecs._limits import check_limit
from .errors import ValueSizeError
from .providers import AsyncProvider, ensure_async_provider, open_async_url

if TYPE_CHECKING:
    from ._mapping import CodecSpec

__all__ = ["AsyncCloudMapping"]

K = TypeVar("K", default=str)
V = TypeVar("V", default=bytes)
_DEFAULT_DECODED_LIMIT = 512 * 1024**2


class AsyncCloudMapping(Generic[K, V]):
    """A typed, asyncio mapping over object storage; every write and delete is conditional.

    Same keywords, URLs, codecs, errors and guarantees as ``CloudMapping`` (``max_workers``
    and ``executor`` become ``max_concurrency``: requests in flight at once on the loop).
    Construction does no I/O: ``async with`` (or ``await m.open()``) loads the codec's
    dictionaries and, with ``sync_initially``, lists the prefix. ``in``, ``len``, iteration
    and ``etags`` answer from the etag view.
    """

    _key_type: ClassVar[Any] = None
    _value_type: ClassVar[Any] = None

    if not TYPE_CHECKING:

        def __class_getitem__(cls, params: Any) -> Any:
            return specialise(cls, params)

    def __init__(
        self,
        provider: AsyncProvider | str,
        *,
        prefix: str = "",
        codec: CodecSpec = None,
        sync_initially: bool = True,
        read_blindly: bool = False,
        max_concurrency: int = 64,
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
        if isinstance(provider, str):
            provider, prefix, codec, read_blindly, sync_initially = open_mapping_url(
                provider,
                prefix,
                codec,
                read_blindly,
                sync_initially,
                allow_pickle=allow_pickle,
                opener=open_async_url,
            )
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency}")
        self.provider: AsyncProvider = ensure_async_provider(provider)
        self.prefix = prefix
        self.key_type: type[K] = key_type
        self.value_type: Any = value_type
        self.max_concurrency = max_concurrency
        self.max_workers = max_concurrency  # what the watch's bounded fetches use
        self.sync_initially = sync_initially
        self.cache = read_cache(cache)
        self._core: MappingCore[K, V] = MappingCore(
            self.provider,
            key_type=key_type,
            value_type=value_type,
            codec=stack_for(codec, value_type),
            prefix=prefix,
            key_encoding=key_encoding,
            max_decoded_size=check_limit(max_decoded_size),
            upgrade=upgrade,
            read_blindly=read_blindly,
            cache=self.cache,
        )
        self._view = EtagView(on_drop=self._forget_cached)
        self._opened = False

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        """Open a mapping from a URL such as ``s3://bucket/prefix?codec=orjson|zstd``."""
        return cls(url, **kwargs)

    # --- lifecycle ------------------------------------------------------------------------

    async def open(self) -> Self:
        """Load the codec's stored dictionaries and, with ``sync_initially``, sync (once)."""
        if not self._opened:
            codec = await arun(plan_bind(self.prefix, self.codec), self.provider)
            if codec is not self.codec:
                self._core = self._core.with_codec(codec)
            if self.sync_initially:
                await self.sync()
            self._opened = True
        return self

    async def aclose(self) -> None:
        """Close the provider's clients."""
        await self.provider.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- configuration --------------------------------------------------------------------

    @property
    def codec(self) -> CodecStack:
        return self._core.codec

    @property
    def read_blindly(self) -> bool:
        return self._core.read_blindly

    @property
    def fingerprint(self) -> str:
        """The schema fingerprint of ``V`` stored with every object (``tcm_schema``)."""
        return self._core.values.fingerprint

    async def train_dictionary(self, samples: Iterable[V], *, size: int = 16 * 1024) -> None:
        """Train and store the zstd dictionaries the codec names (see ``CloudMapping``)."""
        bodies = [self._core.values.serialize("<sample>", s)[1] for s in samples]
        plan = plan_train(self.prefix, self.codec, bodies, size)
        self._core = self._core.with_codec(await arun(plan, self.provider))

    # --- the etag view (no I/O) -----------------------------------------------------------

    @property
    def etags(self) -> Mapping[K, str]:
        items = self._view.snapshot().items()
        return {self._core.keys.decode(name): etag for name, etag in items}

    def __contains__(self, key: object) -> bool:
        """Whether the view holds ``key`` (no I/O; ``await contains(key)`` asks the cloud
        when reading blindly)."""
        try:
            name = self._core.keys.encode(cast(K, key))
        except ValueSizeError:
            raise
        except (TypeError, ValueError):
            return False
        return name in self._view

    def __iter__(self) -> Iterator[K]:
        names = self._view.names()
        return (self._core.keys.decode(n) for n in names)

    def __len__(self) -> int:
        return len(self._view)

    async def sync(self, prefix: str | None = None) -> None:
        """Refresh the view from one paginated listing; drop keys deleted by other writers."""
        core = self._core
        name_prefix, listed = await arun(core.plan_listing(prefix), self.provider)
        self._view.replace(lambda name: core.in_scope(name, name_prefix, prefix), listed)

    sync_with_cloud = sync

    def watch(
        self, *, interval: float = 5.0, prefix: str | None = None
    ) -> AsyncIterator[Change[K, V]]:
        """An async iterator of ``Change`` as other writers add, modify or delete keys."""
        return awatch_changes(self, interval=interval, prefix=prefix)

    def _forget_cached(self, name: str) -> None:
        if self.cache is not None:
            self.cache.discard(name)

    def _advance(self, name: str, seen: Version | None, new: Version | None) -> None:
        self._view.advance(name, None if seen is None else seen.etag, new)

    # --- single keys ----------------------------------------------------------------------

    async def getitem(self, key: K) -> V:
        """``m[key]``: ``KeyError`` if absent, ``KeySyncError`` if changed since seen."""
        name = self._core.keys.encode(key)
        seen = self._view.version(name)
        try:
            read = await arun(self._core.plan_fetch(key, name, seen), self.provider)
        except KeyError:
            raise KeyError(key) from None
        self._advance(name, seen, read.version)
        return read.value

    async def get(self, key: K, default: V | None = None) -> V | None:
        try:
            return await self.getitem(key)
        except KeyError:
            return default

    async def contains(self, key: K) -> bool:
        """``key in m``; asks the cloud (one HEAD) when reading blindly."""
        if not self.read_blindly:
            return key in self
        name = self._core.keys.encode(key)
        seen = self._view.version(name)
        found = await arun(self._core.plan_head(key, name), self.provider)
        self._advance(name, seen, found)
        return found is not None

    async def setitem(self, key: K, value: V) -> None:
        name = self._core.keys.encode(key)
        seen = self._view.version(name)
        plan = self._core.plan_write(key, name, value, seen)
        written = (await arun(plan, self.provider))[1]
        if written.version is not None:  # None: landed, then replaced by another writer
            self._advance(name, seen, written.version)

    async def delitem(self, key: K) -> None:
        name = self._core.keys.encode(key)
        expected = self._view.get(name)
        if expected is None:
            raise KeyError(key)
        await arun(self._core.plan_delete(key, name, expected), self.provider)
        self._view.advance(name, expected, None)

    async def pop(self, key: K, default: Any = _atomic.MISSING) -> Any:
        """Remove ``key`` and return its value (``default`` if absent, else ``KeyError``)."""
        try:
            value = await self.getitem(key)
        except KeyError:
            if default is _atomic.MISSING:
                raise
            return default
        await self.delitem(key)
        return value

    async def setdefault(self, key: K, default: V | None = None) -> V:
        """The stored value, else ``default`` stored create-only; atomic across writers."""
        plan = _atomic.plan_setdefault(self._core, self._view, key, default)
        return await arun(plan, self.provider)

    async def modify(
        self,
        key: K,
        fn: Callable[[V], V | Awaitable[V]],
        default: V = _atomic.MISSING,
        *,
        timeout: float = 300.0,
    ) -> V:
        """Read-modify-write ``key`` until no other writer intervened (``fn`` sync or async;
        it may run several times); return what was stored. Never loses an update."""
        plan = _atomic.plan_modify(self._core, self._view, key, fn, default, timeout)
        return await arun(plan, self.provider)

    # --- bulk -----------------------------------------------------------------------------

    async def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The values of the keys that exist (``max_concurrency`` GETs at once); other
        failures raise one ``BulkError`` after every key was tried."""
        return await _async_bulk.get_many(self._core, self._view, self.max_concurrency, keys)

    async def set_many(self, items: Mapping[K, V] | Iterable[tuple[K, V]]) -> None:
        """Write every item, each conditional on the view; failures in one ``BulkError``."""
        pairs = dict(items.items() if isinstance(items, Mapping) else items)
        await _async_bulk.set_many(self._core, self._view, self.max_concurrency, pairs)

    async def delete_many(self, keys: Iterable[K]) -> None:
        """Delete every key conditionally; keys not in the view fail in the ``BulkError``."""
        await _async_bulk.delete_many(self._core, self._view, self.max_concurrency, keys)

    async def update(self, other: Any = (), /, **kwargs: V) -> None:
        """``dict.update`` through ``set_many``."""
        pairs: dict[K, V] = {}
        if isinstance(other, Mapping):
            pairs.update(other)
        elif hasattr(other, "keys"):
            pairs.update((k, other[k]) for k in other.keys())  # noqa: SIM118  # dict.update protocol: call keys()
        else:
            pairs.update(other)
        pairs.update(kwargs)  # type: ignore[arg-type]  # keyword keys are str, as in dict
        await self.set_many(pairs)

    async def clear(self) -> None:
        """Delete every key in the view through ``delete_many``."""
        await self.delete_many(list(self))

    async def items(self) -> AsyncIterator[tuple[K, V]]:
        """Key-value pairs, fetched in bulk (``get_many``, 1,000 keys at a time)."""
        keys = list(self)
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            found = await self.get_many(chunk)
            for key in chunk:
                if key in found:
                    yield key, found[key]

    async def values(self) -> AsyncIterator[V]:
        """Values, fetched in bulk."""
        async for pair in self.items():
            yield pair[1]

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(provider={self.provider.name!r}, "
            f"prefix={self.prefix!r}, codec={self.codec.name!r}, keys={len(self)})"
        )
