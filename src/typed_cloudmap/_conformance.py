"""The sync provider conformance suite (``typed_cloudmap.testing`` re-exports it)."""

from __future__ import annotations

import pickle
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import pytest

from ._conformance_raw import RawStorageConformance
from .errors import KeySyncError
from .providers._base import CREATE, OVERWRITE, IfMatch, Provider, SupportsBatchDelete

__all__ = ["ProviderConformance"]

_ALL_BYTES = bytes(range(256)) * 4


class ProviderConformance(RawStorageConformance):
    """Behaviour every :class:`~typed_cloudmap.Provider` must have."""

    known_gaps: ClassVar[dict[str, str]] = {}
    """Test name -> reason, for conditions this backend does not implement (xfail)."""

    supports_content_headers: ClassVar[bool] = True
    """Whether ``content_type``/``content_encoding`` are stored and returned."""

    @pytest.fixture
    def provider(self) -> Provider:  # pragma: no cover - subclasses override
        raise NotImplementedError("subclass ProviderConformance and define a provider fixture")

    @pytest.fixture(autouse=True)
    def _known_gaps(self, request: pytest.FixtureRequest) -> None:
        reason = self.known_gaps.get(request.node.originalname)
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    @pytest.fixture
    def prefix(self) -> str:
        return f"conformance-{uuid.uuid4().hex[:12]}/"

    # --- create, read, head -------------------------------------------------------------

    def test_create_only_then_get(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag = provider.put(name, b"hello", mode="create")
        assert isinstance(etag, str)
        assert etag
        got = provider.get(name)
        assert got is not None
        assert got.data == b"hello"
        assert got.etag == etag

    def test_binary_and_empty_values(self, provider: Provider, prefix: str) -> None:
        provider.put(prefix + "bin", _ALL_BYTES, mode="create")
        provider.put(prefix + "empty", b"", mode="create")
        got_bin = provider.get(prefix + "bin")
        got_empty = provider.get(prefix + "empty")
        assert got_bin is not None
        assert got_bin.data == _ALL_BYTES
        assert got_empty is not None
        assert got_empty.data == b""

    def test_metadata_round_trip(self, provider: Provider, prefix: str) -> None:
        meta = {"tcm_codec": "orjson|zstd:level=9", "tcm_schema": "0123abcd", "tcm_token": "t-1"}
        etag = provider.put(prefix + "m", b"{}", mode="create", metadata=meta)
        got = provider.get(prefix + "m")
        assert got is not None
        assert dict(got.metadata) == meta
        info = provider.head(prefix + "m")
        assert info.etag == etag
        assert info.size == 2
        assert info.metadata is not None
        assert dict(info.metadata) == meta

    def test_content_headers(self, provider: Provider, prefix: str) -> None:
        if not self.supports_content_headers:
            pytest.skip("this provider does not store content headers")
        provider.put(
            prefix + "c",
            b"\x28\xb5\x2f\xfd",
            mode="create",
            content_type="application/json",
            content_encoding="zstd",
        )
        got = provider.get(prefix + "c")
        assert got is not None
        assert got.data == b"\x28\xb5\x2f\xfd"
        assert got.content_type == "application/json"
        assert got.content_encoding == "zstd"

    def test_get_missing_is_key_error(self, provider: Provider, prefix: str) -> None:
        with pytest.raises(KeyError):
            provider.get(prefix + "missing")
        with pytest.raises(KeyError):
            provider.head(prefix + "missing")

    def test_names_with_odd_characters(self, provider: Provider, prefix: str) -> None:
        names = ["a/b/c", "%2F%5C%25", "sp%20ace", "x~y_z-.1", "d/%2E%2E/e", "caf%C3%A9"]
        for n in names:
            provider.put(prefix + n, n.encode(), mode="create")
        for n in names:
            got = provider.get(prefix + n)
            assert got is not None
            assert got.data == n.encode()
        listed = {o.name for o in provider.list(prefix)}
        assert listed == {prefix + n for n in names}

    def test_long_name(self, provider: Provider, prefix: str) -> None:
        room = provider.max_name_length - len(prefix.encode())
        name = prefix + "n" * min(room, 900)
        provider.put(name, b"long", mode="create")
        got = provider.get(name)
        assert got is not None
        assert got.data == b"long"
        assert [o.name for o in provider.list(prefix)] == [name]

    # --- conditional writes -------------------------------------------------------------

    def test_create_only_on_existing_fails_and_keeps_value(
        self, provider: Provider, prefix: str
    ) -> None:
        name = prefix + "a"
        etag = provider.put(name, b"first", mode="create")
        with pytest.raises(KeySyncError):
            provider.put(name, b"second", mode="create")
        got = provider.get(name)
        assert got is not None
        assert (got.data, got.etag) == (b"first", etag)

    def test_if_match_current_succeeds(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        etag2 = provider.put(name, b"v2", mode=IfMatch(etag1))
        got = provider.get(name)
        assert got is not None
        assert (got.data, got.etag) == (b"v2", etag2)

    def test_if_match_stale_fails_and_keeps_value(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        etag2 = provider.put(name, b"v2", mode=IfMatch(etag1))
        if etag1 == etag2:
            pytest.skip("this provider gives equal etags to distinct versions")
        with pytest.raises(KeySyncError):
            provider.put(name, b"v3", mode=IfMatch(etag1))
        got = provider.get(name)
        assert got is not None
        assert got.data == b"v2"

    def test_if_match_on_missing_fails(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag = provider.put(name, b"v1", mode="create")
        provider.delete(name, if_match=etag)
        with pytest.raises(KeySyncError):
            provider.put(name, b"v2", mode=IfMatch(etag))
        with pytest.raises(KeyError):
            provider.get(name)

    def test_unconditional_put_overwrites(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        provider.put(name, b"v1")
        etag = provider.put(name, b"v2")
        got = provider.get(name)
        assert got is not None
        assert (got.data, got.etag) == (b"v2", etag)

    def test_etag_changes_with_content(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        etag2 = provider.put(name, b"v2-different", mode=IfMatch(etag1))
        assert etag1 != etag2

    # --- write modes (one PutMode per put; contradictions cannot be asked for) ----------

    def test_put_mode_overwrite_creates_then_replaces(
        self, provider: Provider, prefix: str
    ) -> None:
        name = prefix + "o"
        provider.put(name, b"v1", mode=OVERWRITE)  # no object yet: overwrite creates it
        second = provider.put(name, b"v2")  # overwrite is the default mode
        got = provider.get(name)
        assert got is not None
        assert (got.data, got.etag) == (b"v2", second)

    def test_put_mode_conflicts_name_the_expected_version(
        self, provider: Provider, prefix: str
    ) -> None:
        name = prefix + "m"
        etag = provider.put(name, b"v1", mode=CREATE)
        with pytest.raises(KeySyncError) as created:
            provider.put(name, b"v2", mode=CREATE)
        assert created.value.expected_etag is None
        provider.delete(name, if_match=etag)
        with pytest.raises(KeySyncError) as matched:
            provider.put(name, b"v2", mode=IfMatch(etag))
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
    def test_put_refuses_an_unknown_mode_or_option(
        self, provider: Provider, prefix: str, bad: dict[str, object]
    ) -> None:
        name = prefix + "bad"
        with pytest.raises(TypeError):
            provider.put(name, b"v", **bad)  # type: ignore[arg-type]  # wrong on purpose
        with pytest.raises(KeyError):
            provider.get(name)  # nothing was written

    def test_if_match_mode_needs_an_etag(self) -> None:
        for etag in ("", None, 3):
            with pytest.raises(TypeError):
                IfMatch(etag)  # type: ignore[arg-type]  # wrong on purpose

    # --- conditional reads --------------------------------------------------------------

    def test_get_if_match(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        got = provider.get(name, if_match=etag1)
        assert got is not None
        assert got.data == b"v1"
        provider.put(name, b"v2-other", mode=IfMatch(etag1))
        with pytest.raises(KeySyncError):
            provider.get(name, if_match=etag1)

    def test_get_if_none_match(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        assert provider.get(name, if_none_match=etag1) is None
        etag2 = provider.put(name, b"v2-other", mode=IfMatch(etag1))
        got = provider.get(name, if_none_match=etag1)
        assert got is not None
        assert (got.data, got.etag) == (b"v2-other", etag2)

    # --- deletes ------------------------------------------------------------------------

    def test_delete_if_match(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag = provider.put(name, b"v1", mode="create")
        provider.delete(name, if_match=etag)
        with pytest.raises(KeyError):
            provider.get(name)

    def test_delete_if_match_stale_fails_and_keeps_value(
        self, provider: Provider, prefix: str
    ) -> None:
        name = prefix + "a"
        etag1 = provider.put(name, b"v1", mode="create")
        provider.put(name, b"v2-other", mode=IfMatch(etag1))
        with pytest.raises(KeySyncError):
            provider.delete(name, if_match=etag1)
        got = provider.get(name)
        assert got is not None
        assert got.data == b"v2-other"

    def test_delete_missing(self, provider: Provider, prefix: str) -> None:
        with pytest.raises(KeyError):
            provider.delete(prefix + "missing")

    def test_delete_missing_with_if_match(self, provider: Provider, prefix: str) -> None:
        name = prefix + "a"
        etag = provider.put(name, b"v1", mode="create")
        provider.delete(name, if_match=etag)
        with pytest.raises(KeySyncError):
            provider.delete(name, if_match=etag)

    def test_delete_many(self, provider: Provider, prefix: str) -> None:
        if not isinstance(provider, SupportsBatchDelete):
            pytest.skip("no batch delete")
        etags = {
            prefix + str(i): provider.put(prefix + str(i), b"x", mode="create") for i in range(5)
        }
        stale = prefix + "0"
        provider.put(stale, b"changed", mode=IfMatch(etags[stale]))
        failures = provider.delete_many(list(etags.items()))
        assert set(failures) == {stale}
        assert isinstance(failures[stale], KeySyncError)
        assert [o.name for o in provider.list(prefix)] == [stale]

    # --- listing ------------------------------------------------------------------------

    def test_list_prefix_with_etags(self, provider: Provider, prefix: str) -> None:
        etags = {
            prefix + n: provider.put(prefix + n, n.encode(), mode="create")
            for n in ["a", "b/c", "b/d", "e"]
        }
        provider.put(prefix.rstrip("/") + "-outside", b"x", mode="create")
        try:
            listed = {o.name: o for o in provider.list(prefix)}
            assert set(listed) == set(etags)
            for name, etag in etags.items():
                assert listed[name].etag == etag
                assert listed[name].size == len(name[len(prefix) :])
            assert {o.name for o in provider.list(prefix + "b/")} == {
                prefix + "b/c",
                prefix + "b/d",
            }
        finally:
            provider.delete(prefix.rstrip("/") + "-outside")

    def test_list_empty_prefix(self, provider: Provider, prefix: str) -> None:
        assert list(provider.list(prefix)) == []

    def test_list_etag_matches_head(self, provider: Provider, prefix: str) -> None:
        etag = provider.put(prefix + "x", b"payload", mode="create")
        (listed,) = list(provider.list(prefix))
        assert listed.etag == etag == provider.head(prefix + "x").etag

    # --- concurrency --------------------------------------------------------------------

    def test_concurrent_create_only_has_one_winner(self, provider: Provider, prefix: str) -> None:
        name = prefix + "race"
        barrier = threading.Barrier(8)

        def attempt(i: int) -> bool:
            barrier.wait()
            try:
                provider.put(name, f"writer-{i}".encode(), mode="create")
            except KeySyncError:
                return False
            return True

        with ThreadPoolExecutor(8) as pool:
            wins = list(pool.map(attempt, range(8)))
        assert sum(wins) == 1
        got = provider.get(name)
        assert got is not None
        assert got.data == f"writer-{wins.index(True)}".encode()

    def test_concurrent_if_match_has_one_winner(self, provider: Provider, prefix: str) -> None:
        name = prefix + "race"
        etag = provider.put(name, b"start", mode="create")
        barrier = threading.Barrier(8)

        def attempt(i: int) -> bool:
            barrier.wait()
            try:
                provider.put(name, f"writer-{i}".encode(), mode=IfMatch(etag))
            except KeySyncError:
                return False
            return True

        with ThreadPoolExecutor(8) as pool:
            wins = list(pool.map(attempt, range(8)))
        assert sum(wins) == 1

    # --- lifecycle ----------------------------------------------------------------------

    def test_pickle_round_trip(self, provider: Provider, prefix: str) -> None:
        provider.put(prefix + "p", b"pickled", mode="create")
        clone = pickle.loads(pickle.dumps(provider))
        got = clone.get(prefix + "p")
        assert got is not None
        assert got.data == b"pickled"
        clone.close()

    def test_close_then_reuse(self, provider: Provider, prefix: str) -> None:
        provider.put(prefix + "c", b"1", mode="create")
        provider.close()
        got = provider.get(prefix + "c")
        assert got is not None
        assert got.data == b"1"

    def test_name_is_a_string(self, provider: Provider) -> None:
        assert isinstance(provider.name, str)
        assert provider.name
        assert provider.max_object_size > 0
        assert provider.max_name_length > 0
