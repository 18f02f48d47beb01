"""The sans-I/O half of ``watch``: plan, settle and backoff as pure functions."""

from __future__ import annotations

import pytest

from typed_cloudmap import CodecError
from typed_cloudmap._watch_diff import (
    Backoff,
    Change,
    Fetched,
    Plan,
    ViewUpdate,
    deleted,
    plan,
    settle,
)


def test_plan_fetches_new_and_changed_and_lists_the_gone() -> None:
    known = {"a": "1", "b": "2", "c": "3"}
    listed = {"a": "1", "b": "2b", "d": "4"}
    assert plan(known, listed) == Plan(fetch=(("b", "2"), ("d", None)), deleted=(("c", "3"),))
    assert plan(known, known) == Plan((), ())
    assert plan({}, {}) == Plan((), ())


def test_plan_does_not_delete_what_the_view_gained_during_the_listing() -> None:
    before = {"a": "1", "b": "2"}
    after = {"a": "1", "b": "2x", "own": "9"}  # the mapping wrote b and own meanwhile
    assert plan(after, {}, before=before) == Plan((), (("a", "1"),))


def test_settle_turns_fetches_into_changes_and_view_updates() -> None:
    fetched: Fetched[int] = Fetched("e2", 5, chain="t")
    assert settle("k", "n", "e1", fetched) == (
        Change("modified", "k", 5, "e2"),
        ViewUpdate("n", "e2", "e1", "t"),
    )
    assert settle("k", "n", None, fetched)[0] == Change("added", "k", 5, "e2")
    assert settle("k", "n", "e2", fetched) == (None, None)  # the version already known
    assert settle("k", "n", None, None) == (None, None)  # came and went between LIST and GET
    assert settle("k", "n", "e1", None) == (
        Change("deleted", "k", None, "e1"),
        ViewUpdate("n", None, "e1"),
    )
    error = CodecError("bad", key="k")
    change, update = settle("k", "n", "e1", Fetched[int]("e3", error=error))
    assert change == Change("modified", "k", None, "e3", error)
    assert update == ViewUpdate("n", "e3", "e1", None)  # an invalid version is still seen
    assert deleted("k", "n", "e1") == (
        Change("deleted", "k", None, "e1"),
        ViewUpdate("n", None, "e1"),
    )


def test_backoff_doubles_on_failures_and_resets() -> None:
    backoff = Backoff(1.0, cap=10.0)
    assert backoff.next_delay(ok=True) == 1.0
    delays = [backoff.next_delay(ok=False) for _ in range(6)]
    assert 1.0 <= delays[0] <= 2.0  # 2 s with jitter in [0.5, 1]
    assert 2.0 <= delays[1] <= 4.0
    assert all(d <= 10.0 for d in delays)
    assert delays[-1] >= 5.0
    assert backoff.next_delay(ok=True) == 1.0
    assert Backoff(120.0).cap == 120.0  # the cap never undercuts the interval
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="interval"):
            Backoff(bad)
