"""``CloudMapping``: keys + values + codecs + a provider + the etag view, composed."""

from __future__ import annotations

from collections.abc import (
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, ClassVar, Generic, cast

from typing_extensions import Self, TypeVar

from ._atomic import AtomicMixin
from ._bulk import BulkMixin
from ._cache import ReadCache
from ._dictionaries import bind_dictionaries, train_dictionaries
from ._generic import specialise
from ._keys import KeyCodec
from ._options import pick_type, rebuild, stack_for
from ._tokens import META_PRIOR, META_TOKEN, chain_of, new_token, reconcile
from ._values import Upgrade, ValueCodec
from ._view import EtagView
from .codecs import CodecStack, Serializer, Transform
from .codecs._limits import check_limit
from .errors import CloudMappingError, CodecError, KeySyncError, ProviderError, ValueSizeError
from .providers import Provider, StoredObject, SupportsPoolSize, open_url
from .providers._base import put_mode
from .providers._registry import option_bool

__all__ = ["META_CODEC", "META_PRIOR", "META_SCHEMA", "META_TOKEN", "CloudMapping"]

K = TypeVar("K", default=str)
V = TypeVar("V", default=bytes)
T = TypeVar("T")

META_CODEC = "tcm_codec"
META_SCHEMA = "tcm_schema"

CodecSpec = str | Sequence[str | Serializer | Transform] | CodecStack | None
_DEFAULT_DECODED_LIMIT = 512 * 1024**2


class CloudMapping(BulkMixin[K, V], AtomicMixin[K, V], MutableMapping[K, V], Generic[K, V]):
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
        key_type: type[K] | None = None,
        value_type: type[V] | None = None,
    ) -> None:
        key_type = pick_type("key_type", self._key_type, key_type, str)
        value_type = pick_type("value_type", self._value_type, value_type, bytes)
        if isinstance(provider, str):
            provider, url_prefix, options = open_url(provider)
            prefix = url_prefix + prefix
            codec = options.pop("codec", None) if codec is None else codec
            read_blindly = option_bool(options, "read_blindly", default=read_blindly)
            sync_initially = option_bool(options, "sync_initially", default=sync_initially)
            if options:
                raise ValueError(f"unknown URL option(s): {', '.join(sorted(options))}")
        if isinstance(provider, SupportsPoolSize):
            provider.ensure_pool_size(max_workers)  # one connection per bulk thread
        self.provider: Provider = provider
        self.prefix = prefix
        self.key_type: type[K] = key_type
        self.value_type: Any = value_type
        self.codec: CodecStack = stack_for(codec, value_type)
        self.read_blindly = read_blindly
        self.max_workers = max_workers
        self.max_decoded_size = check_limit(max_decoded_size)
        self.key_encoding = key_encoding
        self._keys: KeyCodec[K] = KeyCodec(
            key_type, prefix, provider.max_name_length, encoding=key_encoding
        )
        self.codec = bind_dictionaries(provider, prefix, self.codec)
        self._values: ValueCodec[V] = ValueCodec(
            value_type, self.codec, limit=max_decoded_size, upgrade=upgrade
        )
        self.cache: ReadCache | None = ReadCache() if cache is True else (cache or None)
        self._view = EtagView(on_drop=self._forget_cached)
        self._readable_stacks: dict[str, bool] = {}
        self._init_bulk(executor)
        if sync_initially:
            self.sync()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        """Open a mapping from a URL such as ``s3://bucket/prefix?codec=orjson|zstd``."""
        return cls(url, **kwargs)

    @property
    def fingerprint(self) -> str:
        """The schema fingerprint of ``V`` stored with every object (``tcm_schema``)."""
        return self._values.fingerprint

    def train_dictionary(self, samples: Iterable[V], *, size: int = 16 * 1024) -> None:
        """Train the zstd dictionaries the codec names (``zstd:dict=NAME``) from ``samples``.

        The dictionary is stored with the data, create-only, so every writer and reader of
        the mapping uses the same one. Already-stored dictionaries are kept, never replaced.
        """
        bodies = [self._values.serialize("<sample>", s)[1] for s in samples]
        self.codec = train_dictionaries(self.provider, self.prefix, self.codec, bodies, size)
        self._values = ValueCodec(
            self.value_type, self.codec, limit=self.max_decoded_size, upgrade=self._values.upgrade
        )
        self._readable_stacks.clear()

    # --- the etag view --------------------------------------------------------------------

    @property
    def etags(self) -> Mapping[K, str]:
        """The mapping's view of the cloud: each key it knows with the etag it last saw."""
        items = self._view.snapshot().items()
        return {self._keys.decode(name): etag for name, etag in items}

    def sync(self, prefix: str | None = None) -> None:
        """Refresh the view from one paginated listing; drop keys deleted by other writers.

        ``prefix`` is in key space (a key's string form) and under the mapping's own prefix;
        keys outside it are left alone.
        """
        name_prefix = self.prefix if prefix is None else self._keys.name_prefix(prefix)
        listed: dict[str, str] = {}
        for info in self.provider.list(name_prefix):
            ok, key = self._keys.try_decode(info.name)
            if ok and (prefix is None or self._keys.text(cast(K, key)).startswith(prefix)):
                listed[info.name] = info.etag

        def in_scope(name: str) -> bool:
            if not name.startswith(name_prefix):
                return False
            return prefix is None or self._keys.text(self._keys.decode(name)).startswith(prefix)

        self._view.replace(in_scope, listed)

    sync_with_cloud = sync

    def _forget_cached(self, name: str) -> None:
        if self.cache is not None:
            self.cache.discard(name)

    # --- reads ----------------------------------------------------------------------------

    def _decode(self, key: K, obj: StoredObject) -> V:
        stored = obj.metadata.get(META_CODEC)
        if stored is not None and stored != self.codec.name and not self._readable(stored):
            raise CodecError(
                f"stored with codec {stored!r}, but this mapping reads with {self.codec.name!r}",
                key=key,
            )
        return self._values.decode(key, obj.data, obj.metadata.get(META_SCHEMA))

    def _readable(self, stored: str) -> bool:
        """Whether objects written with stack ``stored`` decode with ours (memoised)."""
        known = self._readable_stacks.get(stored)
        if known is None:
            known = self._readable_stacks[stored] = self.codec.can_decode(stored)
        return known

    def _get(
        self,
        key: K,
        name: str,
        expected: str | None,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        """``provider.get`` with a missing or changed object reported against ``key``."""
        try:
            return self.provider.get(name, if_match=if_match, if_none_match=if_none_match)
        except KeySyncError as exc:
            raise KeySyncError(key, expected) from exc
        except KeyError:
            if expected is not None:
                raise KeySyncError(key, expected) from None
            raise KeyError(key) from None

    def _fetch(self, key: K, name: str) -> tuple[V, str]:
        """One GET: the latest value if reading blindly, else the version in the view.

        With a cache, a cached version is revalidated with ``If-None-Match`` and a 304 costs
        no download and no decode.
        """
        before = self._view.get(name)
        expected = None if self.read_blindly else before
        if not self.read_blindly and expected is None:
            raise KeyError(key)
        cached = self.cache.lookup(name) if self.cache is not None else None
        if cached is not None and (expected is None or cached[0] == expected):
            obj = self._get(key, name, expected, if_none_match=cached[0])
            if obj is None:  # 304: the cached version is current
                if self.cache is not None:
                    self.cache.hit()
                self._view.record(name, cached[0], expected=before)
                return cached[1], cached[0]
        else:
            obj = self._get(key, name, expected, if_match=expected)
        if obj is None or (expected is not None and obj.etag != expected):
            raise KeySyncError(key, expected)  # revalidation found a newer version
        value = self._decode(key, obj)
        if self.cache is not None:
            self.cache.store(name, obj.etag, value, len(obj.data))
        self._view.record(name, obj.etag, expected=before, chain=chain_of(obj.metadata))
        return value, obj.etag

    def __getitem__(self, key: K) -> V:
        name = self._keys.encode(key)
        try:
            return self._fetch(key, name)[0]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        try:
            name = self._keys.encode(cast(K, key))
        except ValueSizeError:
            raise  # a key too long for the provider is an error, not an absent key
        except (TypeError, ValueError):
            return False
        if not self.read_blindly:
            return name in self._view
        try:
            info = self.provider.head(name)
        except KeyError:
            self._view.record(name, None)
            return False
        self._view.record(name, info.etag, chain=chain_of(info.metadata))
        return True

    def __iter__(self) -> Iterator[K]:
        names = self._view.names()
        return (self._keys.decode(n) for n in names)

    def __len__(self) -> int:
        return len(self._view)

    # --- writes ---------------------------------------------------------------------------

    def _put(
        self,
        key: K,
        name: str,
        value: object,
        expected: str | None,
        replaced: Mapping[str, str] | None = None,
    ) -> tuple[V, str | None]:
        """Validate, encode and write conditionally on ``expected``; reconcile lost replies.

        ``replaced`` is the metadata of the version being replaced, when the caller read it.
        Returns the stored value and its etag, or ``None`` for the etag when the write
        landed but another writer has already replaced it (the view is then left stale).
        """
        typed, data = self._values.encode(key, value)
        if len(data) > self.provider.max_object_size:
            raise ValueSizeError(
                f"{len(data)} bytes encoded is over the {self.provider.max_object_size}-byte "
                f"limit of {self.provider.name}",
                key=key,
            )
        token = new_token()
        prior = self._prior(name, expected, replaced)
        metadata = {META_CODEC: self.codec.name, META_SCHEMA: self._values.fingerprint}
        metadata[META_TOKEN] = token
        if prior:
            metadata[META_PRIOR] = prior
        try:
            etag: str | None = self.provider.put(
                name,
                data,
                mode=put_mode(expected),
                metadata=metadata,
                content_type=self.codec.media_type,
                content_encoding=self.codec.content_encoding,
            )
        except KeySyncError as exc:
            landed, etag = reconcile(self.provider, name, token)
            if not landed:
                raise KeySyncError(key, expected) from exc
        except ProviderError:
            # The SDK gave up, but an attempt may have landed with its reply lost.
            try:
                landed, etag = reconcile(self.provider, name, token)
            except CloudMappingError:
                landed = False
            if not landed:
                raise
        if etag is not None:
            self._view.record(name, etag, chain=chain_of(metadata))
        return typed, etag

    def _prior(self, name: str, expected: str | None, replaced: Mapping[str, str] | None) -> str:
        """The token history a write replacing version ``expected`` carries."""
        if expected is None:
            return ""
        if replaced is not None:
            return chain_of(replaced)
        return self._view.chain_for(name, expected)

    def __setitem__(self, key: K, value: V) -> None:
        name = self._keys.encode(key)
        expected = self._view.get(name)
        self._put(key, name, value, expected)

    def __delitem__(self, key: K) -> None:
        name = self._keys.encode(key)
        expected = self._view.get(name)
        if expected is None:
            raise KeyError(key)
        self._delete(key, name, expected)

    def _delete(self, key: K, name: str, expected: str) -> None:
        try:
            self.provider.delete(name, if_match=expected)
        except (KeySyncError, KeyError) as exc:
            # A retried delete whose first attempt landed fails its condition; the object
            # being gone is exactly what was asked, so only a different version is a conflict.
            try:
                self.provider.head(name)
            except KeyError:
                pass
            else:
                raise KeySyncError(key, expected) from exc
        self._view.record(name, None)

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
            "upgrade": self._values.upgrade,
            "key_encoding": self.key_encoding,
            "view": self._view.snapshot(),
        }
        cls: type = type(self)
        specialised = False
        while cls.__dict__.get("_is_specialisation"):
            cls, specialised = cls.__base__, True  # type: ignore[assignment]  # one base
        return (rebuild, (cls, specialised, self.key_type, self.value_type, state))
