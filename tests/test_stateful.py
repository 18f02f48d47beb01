"""A hypothesis state machine: CloudMapping against a plain dict, with a second writer."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from typed_cloudmap import CloudMapping, KeySyncError, MemoryProvider

keys = st.sampled_from(["a", "b", "c/d", "e f", "100%", "ü"])
values = st.integers(-5, 5)


class TwoWriters(RuleBasedStateMachine):
    """``a`` is the mapping under test; ``b`` is another writer on the same store."""

    def __init__(self) -> None:
        super().__init__()
        provider = MemoryProvider()
        self.a = CloudMapping[str, int](provider, prefix="p/")
        self.b = CloudMapping[str, int](provider, prefix="p/", read_blindly=True)
        self.store: dict[str, int] = {}
        self.version: dict[str, int] = {}
        self.seen: dict[str, int] = {}  # the version a's view holds
        self.clock = 0

    def _bump(self, key: str, value: int) -> None:
        self.clock += 1
        self.store[key] = value
        self.version[key] = self.clock

    def _a_is_current(self, key: str) -> bool:
        return self.seen.get(key) == self.version.get(key)

    @rule(key=keys, value=values)
    def a_set(self, key: str, value: int) -> None:
        if self._a_is_current(key):
            self.a[key] = value
            self._bump(key, value)
            self.seen[key] = self.version[key]
        else:
            with pytest.raises(KeySyncError):
                self.a[key] = value

    @rule(key=keys)
    def a_get(self, key: str) -> None:
        if key not in self.seen:
            with pytest.raises(KeyError):
                self.a[key]
        elif self._a_is_current(key):
            assert self.a[key] == self.store[key]
        else:
            with pytest.raises(KeySyncError):
                self.a[key]

    @rule(key=keys)
    def a_delete(self, key: str) -> None:
        if key not in self.seen:
            with pytest.raises(KeyError):
                del self.a[key]
        elif self._a_is_current(key) or key not in self.store:
            del self.a[key]  # a delete of what is already gone succeeds
            self.store.pop(key, None)
            self.version.pop(key, None)
            del self.seen[key]
        else:
            with pytest.raises(KeySyncError):
                del self.a[key]

    @rule(key=keys, value=values)
    def a_modify(self, key: str, value: int) -> None:
        result = self.a.modify(key, lambda v: v + value, default=0)
        assert result == self.store.get(key, 0) + value
        self._bump(key, result)
        self.seen[key] = self.version[key]

    @rule(key=keys, value=values)
    def a_setdefault(self, key: str, value: int) -> None:
        got = self.a.setdefault(key, value)
        if key not in self.store:
            self._bump(key, value)
        assert got == self.store[key]
        self.seen[key] = self.version[key]

    @rule(key=keys, value=values)
    def b_writes(self, key: str, value: int) -> None:
        self.b.modify(key, lambda _: value, default=value)
        self._bump(key, value)

    @rule(key=keys)
    def b_deletes(self, key: str) -> None:
        if key in self.b:
            del self.b[key]
            del self.store[key]
            del self.version[key]

    @rule()
    def a_sync(self) -> None:
        self.a.sync()
        self.seen = dict(self.version)

    @rule(prefix=st.sampled_from(["", "c", "c/", "e", "z"]))
    def a_sync_prefix(self, prefix: str) -> None:
        self.a.sync(prefix)
        for key in list(self.seen):
            if key.startswith(prefix):
                del self.seen[key]
        self.seen.update({k: v for k, v in self.version.items() if k.startswith(prefix)})

    @invariant()
    def view_matches_model(self) -> None:
        assert sorted(self.a) == sorted(self.seen)
        assert len(self.a) == len(self.seen)


TwoWriters.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestTwoWriters = TwoWriters.TestCase
