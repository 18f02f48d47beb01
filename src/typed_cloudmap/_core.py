"""What a mapping decides, written once for both front ends (sync and async).

``MappingCore`` owns the provider, the key and value codecs and the read cache, and makes
every decision an operation needs: the bytes and the size check of a write, its metadata, the
condition it carries, how a lost reply is reconciled, and which version each operation ends
at. It never touches the etag view: each operation takes the version the caller saw and
returns the version it ended at, and the front end moves its view with ``EtagView.advance``
(conditional on what it saw). So the core pickles small (its configuration, not the view)
and a bulk task on a process executor carries only its key and that key's version.

Every operation with I/O is a plan (``_plan``): ``plan_write`` and the rest decide, the sync
methods (``write``) run them on the sync provider, ``AsyncCloudMapping`` awaits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._cache import ReadCache
from ._keys import KeyCodec
from ._metadata import META_CODEC as _CODEC
from ._metadata import META_SCHEMA as _SCHEMA
from ._metadata import Outcome, build, chain_of, checked, extended, history, judge, new_token
from ._plan import Call, Listing, Plan, run
from ._values import Upgrade, ValueCodec
from ._view import Version
from .codecs import CodecStack
from .errors import CloudMappingError, CodecError, KeySyncError, ProviderError, ValueSizeError
from .providers import AsyncProvider, ObjectInfo, Provider, PutMode, StoredObject, put_mode

__all__ = ["MappingCore", "Read", "Written", "write_mode"]

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)  # no slots: frozen slotted dataclasses fail to unpickle on 3.10
class Read(Generic[V]):
    """A value read and the version it came from."""

    value: V
    version: Version


@dataclass(frozen=True)
class Written:
    """How a write ended: ``CURRENT`` (``version`` is ours) or ``SUPERSEDED`` (it landed,
    then another writer replaced it: ``version`` is ``None`` and the view stays put)."""

    outcome: Outcome
    version: Version | None


def write_mode(expected: str | None) -> PutMode:
    """The mode of a write replacing version ``expected`` (``None``: create-only)."""
    return put_mode(expected)


class MappingCore(Generic[K, V]):
    """Keys, values, metadata, conditions and reconciliation over one provider."""

    def __init__(
        self,
        provider: Provider | AsyncProvider,
        *,
        key_type: type[K],
        value_type: Any,
        codec: CodecStack,
        prefix: str = "",
        key_encoding: str = "percent",
        max_decoded_size: int | None = None,
        upgrade: Upgrade | None = None,
        read_blindly: bool = False,
        cache: ReadCache | None = None,
    ) -> None:
        self.provider = provider
        self.prefix = prefix
        self.read_blindly = read_blindly
        self.cache = cache
        self.keys: KeyCodec[K] = KeyCodec(
            key_type, prefix, provider.max_name_length, encoding=key_encoding
        )
        self.values: ValueCodec[V] = ValueCodec(
            value_type,
            codec,
            limit=max_decoded_size,
            upgrade=upgrade,
            key_text=self.keys.text,  # key-bound transforms (aesgcm) bind objects to keys
        )
        self._readable_stacks: dict[str, bool] = {}
        self._direct_type, self._direct_dump = self.values.direct
        # what every write sends beside the bytes: fixed by the stack (a new core for another)
        stack = self.values.stack
        self._stack_name = stack.name
        self._put_options = {
            "content_type": stack.media_type,
            "content_encoding": stack.content_encoding,
        }

    @property
    def codec(self) -> CodecStack:
        return self.values.stack

    def with_codec(self, codec: CodecStack) -> MappingCore[K, V]:
        """The same core with another codec stack (after training its dictionaries)."""
        return MappingCore(self.provider, codec=codec, **self._config())

    def _config(self) -> dict[str, Any]:
        return {
            "key_type": self.keys.key_type,
            "value_type": self.values.value_type,
            "prefix": self.prefix,
            "key_encoding": self.keys.encoding,
            "max_decoded_size": self.values.limit,
            "upgrade": self.values.upgrade,
            "read_blindly": self.read_blindly,
            "cache": self.cache,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.provider, self.codec, self._config()))

    # --- values ---------------------------------------------------------------------------

    def encode(self, key: K, value: object) -> tuple[V, bytes]:
        """Validate and encode ``value``; refuse it if the provider cannot store the bytes."""
        typed: Any = value
        if type(value) is self._direct_type:
            try:  # the common case in one call: a float-free model instance to plain JSON
                data = self._direct_dump(value)  # type: ignore[misc]  # set with _direct_type
            except ValueError:  # let the full path report it
                typed, data = self.values.encode(key, value)
        else:
            typed, data = self.values.encode(key, value)
        limit = self.provider.max_object_size  # read each time: a provider may lower it
        if len(data) > limit:
            raise ValueSizeError(
                f"{len(data)} bytes encoded is over the {limit}-byte limit of {self.provider.name}",
                key=key,
            )
        return typed, data

    def decode(self, key: K, obj: StoredObject) -> V:
        """The stored object as a ``V``; malformed metadata or a foreign stack is refused."""
        return self._decode(key, obj, checked(obj.metadata, key))

    def _read(self, key: K, obj: StoredObject) -> Read[V]:
        """The stored object as a ``V`` and its version, its metadata checked once."""
        meta = checked(obj.metadata, key)
        return Read(self._decode(key, obj, meta), Version(obj.etag, history(meta)))

    def _decode(self, key: K, obj: StoredObject, meta: Mapping[str, str]) -> V:
        stored = meta.get(_CODEC)
        if stored is not None and stored != self.codec.name and not self._readable(stored):
            raise CodecError(
                f"stored with codec {stored!r}, but this mapping reads with {self.codec.name!r}",
                key=key,
            )
        return self.values.decode(key, obj.data, meta.get(_SCHEMA))

    def _readable(self, stored: str) -> bool:
        """Whether objects written with stack ``stored`` decode with ours (memoised)."""
        known = self._readable_stacks.get(stored)
        if known is None:
            known = self._readable_stacks[stored] = self.codec.can_decode(stored)
        return known

    # --- reads (plans: see ``_plan``; the sync methods run them on the sync provider) -----

    def _get(
        self,
        key: K,
        name: str,
        expected: str | None,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> Plan[StoredObject | None]:
        """``provider.get`` with a missing or changed object reported against ``key``."""
        try:
            obj: StoredObject | None = yield Call(
                "get", name, if_match=if_match, if_none_match=if_none_match
            )
        except KeySyncError as exc:
            raise KeySyncError(key, expected) from exc
        except KeyError:
            if expected is not None:
                raise KeySyncError(key, expected) from None
            raise KeyError(key) from None
        return obj

    def plan_fetch(self, key: K, name: str, seen: Version | None) -> Plan[Read[V]]:
        """One GET: the latest value if reading blindly, else version ``seen``.

        With a cache, a cached version is revalidated with ``If-None-Match`` and a 304 costs
        no download and no decode.
        """
        expected = None if self.read_blindly else (seen.etag if seen else None)
        if not self.read_blindly and expected is None:
            raise KeyError(key)
        cached = self.cache.lookup(name) if self.cache is not None else None
        if cached is not None and (expected is None or cached[0] == expected):
            obj = yield from self._get(key, name, expected, if_none_match=cached[0])
            if obj is None:  # 304: the cached version is current
                if self.cache is not None:
                    self.cache.hit()
                chain = seen.chain if seen is not None and seen.etag == cached[0] else ""
                return Read(cached[1], Version(cached[0], chain))
        else:
            obj = yield from self._get(key, name, expected, if_match=expected)
        if obj is None or (expected is not None and obj.etag != expected):
            raise KeySyncError(key, expected)  # revalidation found a newer version
        read = self._read(key, obj)
        if self.cache is not None:
            self.cache.store(name, obj.etag, read.value, len(obj.data))
        return read

    def plan_latest(self, key: K, name: str) -> Plan[Read[V] | None]:
        """The stored version whatever the view says (``None``: absent)."""
        try:
            obj: StoredObject | None = yield Call("get", name)
        except KeyError:
            return None
        if obj is None:  # unconditional GETs always return the object; typed as optional
            return None
        return self._read(key, obj)

    def plan_head(self, key: K, name: str) -> Plan[Version | None]:
        """The stored version's etag and history from one HEAD (``None``: absent)."""
        try:
            info: ObjectInfo = yield Call("head", name)
        except KeyError:
            return None
        return Version(info.etag, chain_of(info.metadata, key))

    def plan_listing(self, prefix: str | None) -> Plan[tuple[str, dict[str, str]]]:
        """One paginated listing: the object-name prefix it covers and name -> etag.

        ``prefix`` is in key space (a key's string form), under the mapping's own prefix.
        """
        name_prefix = self.prefix if prefix is None else self.keys.name_prefix(prefix)
        infos: list[ObjectInfo] = yield Listing(name_prefix)
        listed: dict[str, str] = {}
        for info in infos:
            ok, key = self.keys.try_decode(info.name)
            if ok and (prefix is None or self.keys.text(key).startswith(prefix)):  # type: ignore[arg-type]  # ok: key is a K
                listed[info.name] = info.etag
        return name_prefix, listed

    def in_scope(self, name: str, name_prefix: str, prefix: str | None) -> bool:
        """Whether ``name`` is one a listing of ``prefix`` (see ``listing``) covers."""
        if not name.startswith(name_prefix):
            return False
        return prefix is None or self.keys.text(self.keys.decode(name)).startswith(prefix)

    # --- writes ---------------------------------------------------------------------------

    def plan_write(
        self, key: K, name: str, value: object, seen: Version | None
    ) -> Plan[tuple[V, Written]]:
        """Validate, encode and write replacing version ``seen`` (``None``: create-only).

        The write stores ``seen``'s token history, so a later writer can tell it landed; a
        failed condition or an SDK that gave up is reconciled before anything is reported.
        """
        typed, data = self.encode(key, value)
        token = new_token()
        chain = seen.chain if seen is not None else ""
        metadata = build(self._stack_name, self.values.fingerprint, token, chain)
        expected = seen.etag if seen is not None else None
        try:
            etag: str = yield Call(
                "put", name, data, mode=write_mode(expected), metadata=metadata, **self._put_options
            )
        except KeySyncError as exc:
            written = yield from self.plan_reconcile(name, token, metadata)
            if written is None:
                raise KeySyncError(key, expected) from exc
            return typed, written
        except ProviderError:
            # The SDK gave up, but an attempt may have landed with its reply lost.
            try:
                written = yield from self.plan_reconcile(name, token, metadata)
            except CloudMappingError:
                written = None
            if written is None:
                raise
            return typed, written
        return typed, Written(Outcome.CURRENT, Version(etag, extended(token, chain)))

    def plan_reconcile(
        self, name: str, token: str, metadata: Mapping[str, str]
    ) -> Plan[Written | None]:
        """After a failed or unanswered write: did it land (``None``: no sign it did)?

        Costs one HEAD. Malformed stored metadata is another writer's, not a sign of ours.
        """
        try:
            info: ObjectInfo = yield Call("head", name)
        except KeyError:
            return None
        try:
            outcome = judge(info.metadata, token)
        except CodecError:
            return None
        if outcome is Outcome.CURRENT:
            return Written(outcome, Version(info.etag, history(metadata)))
        if outcome is Outcome.SUPERSEDED:
            return Written(outcome, None)
        return None

    def plan_delete(self, key: K, name: str, expected: str) -> Plan[None]:
        """Delete version ``expected``; an object already gone is success."""
        try:
            yield Call("delete", name, if_match=expected)
        except (KeySyncError, KeyError) as exc:
            yield from self.plan_gone_or_conflict(key, name, expected, exc)

    def plan_gone_or_conflict(
        self, key: K, name: str, expected: str, exc: BaseException
    ) -> Plan[None]:
        """A failed conditional delete: success if the object is gone, else a conflict."""
        # A retried delete whose first attempt landed fails its condition; the object
        # being gone is exactly what was asked, so only a different version is a conflict.
        try:
            yield Call("head", name)
        except KeyError:
            return
        raise KeySyncError(key, expected) from exc

    # --- the same, on the sync provider ---------------------------------------------------

    def fetch(self, key: K, name: str, seen: Version | None) -> Read[V]:
        return run(self.plan_fetch(key, name, seen), self.provider)

    def latest(self, key: K, name: str) -> Read[V] | None:
        return run(self.plan_latest(key, name), self.provider)

    def head(self, key: K, name: str) -> Version | None:
        return run(self.plan_head(key, name), self.provider)

    def listing(self, prefix: str | None) -> tuple[str, dict[str, str]]:
        return run(self.plan_listing(prefix), self.provider)

    def write(self, key: K, name: str, value: object, seen: Version | None) -> tuple[V, Written]:
        return run(self.plan_write(key, name, value, seen), self.provider)

    def reconcile(self, name: str, token: str, metadata: Mapping[str, str]) -> Written | None:
        return run(self.plan_reconcile(name, token, metadata), self.provider)

    def delete(self, key: K, name: str, expected: str) -> None:
        run(self.plan_delete(key, name, expected), self.provider)


def _rebuild(
    provider: Provider | AsyncProvider, codec: CodecStack, config: dict[str, Any]
) -> MappingCore[Any, Any]:
    return MappingCore(provider, codec=codec, **config)
