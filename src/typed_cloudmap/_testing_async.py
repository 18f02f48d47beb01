"""The async provider conformance suite: :class:`ProviderConformance`'s twin for asyncio.

Subclass :class:`AsyncProviderConformance` and give it a ``provider`` fixture that builds
the provider without I/O (clients open lazily on the test's event loop)::

    class TestMyAsyncProvider(AsyncProviderConformance):
        @pytest.fixture
        def provider(self) -> AsyncProvider:
            return MyAsyncProvider(...)

The tests are coroutines run by pytest-asyncio (``pip install pytest-asyncio``); the
provider is closed after each one. Every test works under a fresh random ``prefix``. Name a
test in ``known_gaps`` with the reason where a backend (usually an emulator) lacks a
condition: it is then a strict ``xfail`` on that backend, so a fixed gap shows up.
"""

from __future__ import annotations

import asyncio
import pickle
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest

from .errors import KeySyncError
from .providers._async_base import AsyncProvider, AsyncSupportsBatchDelete, is_async_provider
from .providers._base import CREATE, OVERWRITE, IfMatch, ObjectInfo

__all__ = ["AsyncProviderConformance"]

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without it pytest says async tests need a plugin
    _async_fixture = pytest.fixture  # type: ignore[assignment]  # same call shape, sync

_ALL_BYTES = bytes(range(256)) * 4


async def _listed(provider: AsyncProvider, prefix: str) -> list[ObjectInfo]:
    return [info async for info in provider.list(prefix)]


class AsyncProviderConformance:
    """Behaviour every :class:`~typed_cloudmap.providers.AsyncProvider` must have."""

    pytestmark = pytest.mark.asyncio

    known_gaps: ClassVar[dict[str, str]] = {}
    """Test name -> reason, for conditions this backend does not implement (strict xfail)."""

    supports_content_headers: ClassVar[bool] = True
    """Whether ``content_type``/``content_encoding`` are stored and returned."""

    @pytest.fixture
    def provider(self) -> AsyncProvider:  # pragma: no cover - subclasses override
        raise NotImplementedError("subclass AsyncProviderConformance and define a provider")

    @_async_fixture(autouse=True)
    async def _closed_after(self, provider: AsyncProvider) -> AsyncIterator[None]:
        yield
        await provider.close()

    @pytest.fixture(autouse=True)
    def _known_gaps(self, request: pytest.FixtureRequest) -> None:
        reason = self.known_gaps.get(request.node.originalname)
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    @pytest.fixture
    def prefix(self) -> str:
        return f"conformance-{uuid.uuid4().hex[:12]}/"

    # --- identity -----------------------------------------------------------------------

    async def test_is_an_async_provider(self, provider: AsyncProvider) -> None:
        assert is_async_provider(provider)
        assert isinstance(provider.name, str)
        assert provider.name
        assert provider.max_object_size > 0
        assert provider.max_name_length > 0

    # --- create, read, head -------------------------------------------------------------

    async def test_create_only_then_get(self, provider: AsyncProvider, prefix: str) -> None:
        etag = await provider.put(prefix + "a", b"hello", mode="create")
        assert isinstance(etag, str)
        assert etag
        got = await provider.get(prefix + "a")
        assert got is not None
        assert (got.data, got.etag) == (b"hello", etag)

    async def test_binary_and_empty_values(self, provider: AsyncProvider, prefix: str) -> None:
        await provider.put(prefix + "bin", _ALL_BYTES, mode="create")
        await provider.put(prefix + "empty", b"", mode="create")
        got_bin = await provider.get(prefix + "bin")
        got_empty = await provider.get(prefix + "empty")
        assert got_bin is not None
        assert got_bin.data == _ALL_BYTES
        assert got_empty is not None
        assert got_empty.data == b""

    async def test_metadata_round_trip(self, provider: AsyncProvider, prefix: str) -> None:
        meta = {"tcm_codec": "orjson|zstd:level=9", "tcm_schema": "0123abcd", "tcm_token": "t-1"}
        etag = await provider.put(prefix + "m", b"{}", mode="create", metadata=meta)
        got = await provider.get(prefix + "m")
        assert got is not None
        assert dict(got.metadata) == meta
        info = await provider.head(prefix + "m")
        assert info.etag == etag
        assert info.size == 2
        assert info.metadata is not None
        assert dict(info.metadata) == meta

    async def test_content_headers(self, provider: AsyncProvider, prefix: str) -> None:
        if not self.supports_content_headers:
            pytest.skip("this provider does not store content headers")
        await provider.put(
            prefix + "c",
            b"\x28\xb5\x2f\xfd",
            mode="create",
            content_type="application/json",
            content_encoding="zstd",
        )
        got = await provider.get(prefix + "c")
        assert got is not None
        assert got.data == b"\x28\xb5\x2f\xfd"
        assert got.content_type == "application/json"
        assert got.content_encoding == "zstd"

    async def test_get_missing_is_key_error(self, provider: AsyncProvider, prefix: str) -> None:
        with pytest.raises(KeyError):
            await provider.get(prefix + "missing")
        with pytest.raises(KeyError):
            await provider.head(prefix + "missing")

    async def test_names_with_odd_characters(self, provider: AsyncProvider, prefix: str) -> None:
        names = ["a/b/c", "%2F%5C%25", "sp%20ace", "x~y_z-.1", "d/%2E%2E/e", "caf%C3%A9"]
        for n in names:
            await provider.put(prefix + n, n.encode(), mode="create")
        for n in names:
            got = await provider.get(prefix + n)
            assert got is not None
            assert got.data == n.encode()
        assert {o.name for o in await _listed(provider, prefix)} == {prefix + n for n in names}

    async def test_long_name(self, provider: AsyncProvider, prefix: str) -> None:
        room = provider.max_name_length - len(prefix.encode())
        # segments of 200 bytes: a file system holds at most 255 per segment
        name = prefix + "/".join(["n" * 200] * max(1, min(room, 900) // 201))
        await provider.put(name, b"long", mode="create")
        got = await provider.get(name)
        assert got is not None
        assert got.data == b"long"
        assert [o.name for o in await _listed(provider, prefix)] == [name]

    # --- conditional writes -------------------------------------------------------------

    async def test_create_only_on_existing_fails_and_keeps_value(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        etag = await provider.put(prefix + "a", b"first", mode="create")
        with pytest.raises(KeySyncError):
            await provider.put(prefix + "a", b"second", mode="create")
        got = await provider.get(prefix + "a")
        assert got is not None
        assert (got.data, got.etag) == (b"first", etag)

    async def test_if_match_current_succeeds(self, provider: AsyncProvider, prefix: str) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        etag2 = await provider.put(prefix + "a", b"v2", mode=IfMatch(etag1))
        got = await provider.get(prefix + "a")
        assert got is not None
        assert (got.data, got.etag) == (b"v2", etag2)

    async def test_if_match_stale_fails_and_keeps_value(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        await provider.put(prefix + "a", b"v2-other", mode=IfMatch(etag1))
        with pytest.raises(KeySyncError):
            await provider.put(prefix + "a", b"v3", mode=IfMatch(etag1))
        got = await provider.get(prefix + "a")
        assert got is not None
        assert got.data == b"v2-other"

    async def test_if_match_on_missing_fails(self, provider: AsyncProvider, prefix: str) -> None:
        etag = await provider.put(prefix + "a", b"v1", mode="create")
        await provider.delete(prefix + "a", if_match=etag)
        with pytest.raises(KeySyncError):
            await provider.put(prefix + "a", b"v2", mode=IfMatch(etag))
        with pytest.raises(KeyError):
            await provider.get(prefix + "a")

    async def test_unconditional_put_overwrites(self, provider: AsyncProvider, prefix: str) -> None:
        await provider.put(prefix + "a", b"v1")
        etag = await provider.put(prefix + "a", b"v2")
        got = await provider.get(prefix + "a")
        assert got is not None
        assert (got.data, got.etag) == (b"v2", etag)

    async def test_etag_changes_with_content(self, provider: AsyncProvider, prefix: str) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        etag2 = await provider.put(prefix + "a", b"v2-different", mode=IfMatch(etag1))
        assert etag1 != etag2

    # --- write modes (one PutMode per put, as in the sync suite) ------------------------

    async def test_put_mode_overwrite_creates_then_replaces(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        await provider.put(prefix + "o", b"v1", mode=OVERWRITE)  # no object yet: creates it
        second = await provider.put(prefix + "o", b"v2")  # overwrite is the default mode
        got = await provider.get(prefix + "o")
        assert got is not None
        assert (got.data, got.etag) == (b"v2", second)

    async def test_put_mode_conflicts_name_the_expected_version(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        etag = await provider.put(prefix + "m", b"v1", mode=CREATE)
        with pytest.raises(KeySyncError) as created:
            await provider.put(prefix + "m", b"v2", mode=CREATE)
        assert created.value.expected_etag is None
        await provider.delete(prefix + "m", if_match=etag)
        with pytest.raises(KeySyncError) as matched:
            await provider.put(prefix + "m", b"v2", mode=IfMatch(etag))
        assert matched.value.expected_etag == etag

    @pytest.mark.parametrize(
        "bad",
        [
            {"create_only": True, "if_match": '"1"'},
            {"create_only": True},
            {"if_match": '"1"'},
            {"mode": "create-only"},
            {"mode": '"an-etag"'},
            {"mode": None},
        ],
    )
    async def test_put_refuses_an_unknown_mode_or_option(
        self, provider: AsyncProvider, prefix: str, bad: dict[str, object]
    ) -> None:
        with pytest.raises(TypeError):
            await provider.put(prefix + "bad", b"v", **bad)  # type: ignore[arg-type]  # on purpose
        with pytest.raises(KeyError):
            await provider.get(prefix + "bad")  # nothing was written

    # --- conditional reads --------------------------------------------------------------

    async def test_get_if_match(self, provider: AsyncProvider, prefix: str) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        got = await provider.get(prefix + "a", if_match=etag1)
        assert got is not None
        assert got.data == b"v1"
        await provider.put(prefix + "a", b"v2-other", mode=IfMatch(etag1))
        with pytest.raises(KeySyncError):
            await provider.get(prefix + "a", if_match=etag1)

    async def test_get_if_none_match(self, provider: AsyncProvider, prefix: str) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        assert await provider.get(prefix + "a", if_none_match=etag1) is None
        etag2 = await provider.put(prefix + "a", b"v2-other", mode=IfMatch(etag1))
        got = await provider.get(prefix + "a", if_none_match=etag1)
        assert got is not None
        assert (got.data, got.etag) == (b"v2-other", etag2)

    # --- deletes ------------------------------------------------------------------------

    async def test_delete_if_match(self, provider: AsyncProvider, prefix: str) -> None:
        etag = await provider.put(prefix + "a", b"v1", mode="create")
        await provider.delete(prefix + "a", if_match=etag)
        with pytest.raises(KeyError):
            await provider.get(prefix + "a")

    async def test_delete_if_match_stale_fails_and_keeps_value(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        etag1 = await provider.put(prefix + "a", b"v1", mode="create")
        await provider.put(prefix + "a", b"v2-other", mode=IfMatch(etag1))
        with pytest.raises(KeySyncError):
            await provider.delete(prefix + "a", if_match=etag1)
        got = await provider.get(prefix + "a")
        assert got is not None
        assert got.data == b"v2-other"

    async def test_delete_missing(self, provider: AsyncProvider, prefix: str) -> None:
        with pytest.raises(KeyError):
            await provider.delete(prefix + "missing")

    async def test_delete_missing_with_if_match(self, provider: AsyncProvider, prefix: str) -> None:
        etag = await provider.put(prefix + "a", b"v1", mode="create")
        await provider.delete(prefix + "a", if_match=etag)
        with pytest.raises(KeySyncError):
            await provider.delete(prefix + "a", if_match=etag)

    async def test_delete_many(self, provider: AsyncProvider, prefix: str) -> None:
        if not isinstance(provider, AsyncSupportsBatchDelete):
            pytest.skip("no batch delete")
        etags = {
            prefix + str(i): await provider.put(prefix + str(i), b"x", mode="create")
            for i in range(5)
        }
        stale = prefix + "0"
        await provider.put(stale, b"changed", mode=IfMatch(etags[stale]))
        failures = await provider.delete_many(list(etags.items()))
        assert set(failures) == {stale}
        assert isinstance(failures[stale], KeySyncError)
        assert [o.name for o in await _listed(provider, prefix)] == [stale]

    # --- listing ------------------------------------------------------------------------

    async def test_list_prefix_with_etags(self, provider: AsyncProvider, prefix: str) -> None:
        etags = {
            prefix + n: await provider.put(prefix + n, n.encode(), mode="create")
            for n in ["a", "b/c", "b/d", "e"]
        }
        outside = prefix.rstrip("/") + "-outside"
        await provider.put(outside, b"x", mode="create")
        try:
            listed = {o.name: o for o in await _listed(provider, prefix)}
            assert set(listed) == set(etags)
            for name, etag in etags.items():
                assert listed[name].etag == etag
                assert listed[name].size == len(name[len(prefix) :])
            assert {o.name for o in await _listed(provider, prefix + "b/")} == {
                prefix + "b/c",
                prefix + "b/d",
            }
        finally:
            await provider.delete(outside)

    async def test_list_empty_prefix(self, provider: AsyncProvider, prefix: str) -> None:
        assert await _listed(provider, prefix) == []

    async def test_list_etag_matches_head(self, provider: AsyncProvider, prefix: str) -> None:
        etag = await provider.put(prefix + "x", b"payload", mode="create")
        (listed,) = await _listed(provider, prefix)
        assert listed.etag == etag == (await provider.head(prefix + "x")).etag

    # --- concurrency --------------------------------------------------------------------

    async def test_concurrent_create_only_has_one_winner(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        name = prefix + "race"

        async def attempt(i: int) -> bool:
            try:
                await provider.put(name, f"writer-{i}".encode(), mode="create")
            except KeySyncError:
                return False
            return True

        wins = await asyncio.gather(*(attempt(i) for i in range(8)))
        assert sum(wins) == 1
        got = await provider.get(name)
        assert got is not None
        assert got.data == f"writer-{wins.index(True)}".encode()

    async def test_concurrent_if_match_has_one_winner(
        self, provider: AsyncProvider, prefix: str
    ) -> None:
        name = prefix + "race"
        etag = await provider.put(name, b"start", mode="create")

        async def attempt(i: int) -> bool:
            try:
                await provider.put(name, f"writer-{i}".encode(), mode=IfMatch(etag))
            except KeySyncError:
                return False
            return True

        wins = await asyncio.gather(*(attempt(i) for i in range(8)))
        assert sum(wins) == 1

    # --- lifecycle ----------------------------------------------------------------------

    async def test_pickle_round_trip(self, provider: AsyncProvider, prefix: str) -> None:
        await provider.put(prefix + "p", b"pickled", mode="create")
        clone: AsyncProvider = pickle.loads(pickle.dumps(provider))
        try:
            got = await clone.get(prefix + "p")
        finally:
            await clone.close()
        assert got is not None
        assert got.data == b"pickled"

    async def test_close_then_reuse(self, provider: AsyncProvider, prefix: str) -> None:
        await provider.put(prefix + "c", b"1", mode="create")
        await provider.close()
        got = await provider.get(prefix + "c")
        assert got is not None
        assert got.data == b"1"
