"""The etag view and the token history: unit and hypothesis tests.

The view moves only from the version a caller saw, so a slow caller can never put an older
version back; each write stores the history of the version it replaced, bounded by
``HISTORY``, so a writer whose reply was lost recognises its write for ``HISTORY`` versions.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from typed_cloudmap import BulkError, CloudMapping, KeySyncError
from typed_cloudmap._metadata import HISTORY, Outcome, build, chain_of, judge
from typed_cloudmap._view import EtagView, Version, descends
from typed_cloudmap.providers import MemoryProvider

NAMES = st.sampled_from(["a", "b", "c"])
ETAGS = st.sampled_from(["e1", "e2", "e3", "e4"])
CHAINS = st.sampled_from(["", "t1", "t2 t1", "t3 t2 t1", "t4", "t5 t4"])
VERSIONS = st.none() | st.builds(Version, ETAGS, CHAINS)


def test_advance_is_conditional_on_what_the_caller_saw() -> None:
    dropped: list[str] = []
    view = EtagView(on_drop=dropped.append)
    assert view.advance("k", None, Version("e1", "t1"))
    assert not view.advance("k", None, Version("e0"))  # saw "absent": stale
    assert view.advance("k", "e1", Version("e2", "t2 t1"))
    assert not view.advance("k", "e1", Version("e1", "t1"))  # an older version, not put back
    assert view.version("k") == Version("e2", "t2 t1")
    assert view.advance("k", "e2", Version("e2"))  # same version, no history: history kept
    assert view.version("k") == Version("e2", "t2 t1")
    assert view.advance("k", "e2", None)
    assert "k" not in view
    assert dropped == ["k"]


def test_a_descendant_moves_the_view_even_from_a_stale_seen() -> None:
    view = EtagView()
    view.advance("k", None, Version("e2", "t2 t1"))
    assert view.advance("k", "e1", Version("e3", "t3 t2 t1"))  # built on e2: recorded
    assert not view.advance("k", "e1", Version("e2", "t2 t1"))  # e3's ancestor: refused
    assert not view.advance("k", "e1", Version("e9", "t9 t1"))  # a sibling branch: refused
    assert view.version("k") == Version("e3", "t3 t2 t1")
    assert not descends(Version("e3", "t3 t2"), Version("e2"))  # no history: unknown
    assert not descends(None, Version("e2", "t2"))


def test_replace_keeps_the_history_of_unchanged_versions() -> None:
    view = EtagView()
    view.advance("p/a", None, Version("e1", "t1"))
    view.advance("p/b", None, Version("e1", "t1"))
    view.advance("q/c", None, Version("e1", "t1"))
    view.replace(lambda n: n.startswith("p/"), {"p/a": "e1", "p/b": "e2", "p/d": "e3"})
    assert view.versions() == {
        "p/a": Version("e1", "t1"),
        "p/b": Version("e2"),
        "p/d": Version("e3"),
        "q/c": Version("e1", "t1"),
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, st.none() | ETAGS, VERSIONS), max_size=40))
def test_view_matches_a_model(steps: list[tuple[str, str | None, Version | None]]) -> None:
    view = EtagView()
    model: dict[str, Version] = {}
    for name, seen, new in steps:
        current = model.get(name)
        applies = (current.etag if current else None) == seen or (
            new is not None
            and current is not None
            and bool(current.chain and new.chain)
            and current.chain.split()[0] in new.chain.split()[1:]
        )
        assert view.advance(name, seen, new) is applies
        if applies:
            if new is None:
                model.pop(name, None)
            elif current and current.etag == new.etag and not new.chain:
                pass
            else:
                model[name] = new
        assert view.versions() == model
        assert view.snapshot() == {n: v.etag for n, v in model.items()}
        assert len(view) == len(model)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=3 * HISTORY))
def test_history_recognises_the_last_writes(writes: int) -> None:
    tokens = [f"t{i}" for i in range(writes)]
    meta: dict[str, str] = {}
    for token in tokens:
        meta = build("orjson", "s", token, chain_of(meta))
    assert len(meta.get("tcm_prior", "").split()) == min(writes - 1, HISTORY)
    for i, token in enumerate(tokens):
        age = writes - 1 - i
        expected = (
            Outcome.CURRENT
            if age == 0
            else Outcome.SUPERSEDED
            if age <= HISTORY
            else Outcome.ABSENT
        )
        assert judge(meta, token) is expected


OPS = st.lists(st.sampled_from(["set", "set_many", "modify", "get", "get_many"]), max_size=12)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_every_write_names_the_version_it_replaced(ops: list[str]) -> None:
    provider = MemoryProvider()
    m = CloudMapping[str, int](provider)
    m["k"] = 0
    for i, op in enumerate(ops, 1):
        before = chain_of(provider.head("k").metadata)
        if op == "set":
            m["k"] = i
        elif op == "set_many":
            m.set_many({"k": i})
        elif op == "modify":
            m.modify("k", lambda n: n + 1)
        elif op == "get":
            assert m["k"] == m["k"]
            continue
        else:
            m.get_many(["k"])
            continue
        meta = provider.head("k").metadata
        assert meta.get("tcm_prior", "") == before
        fresh = CloudMapping[str, int](provider)  # a listing knows no history: reads fill it
        fresh.get_many(["k"])
        assert fresh._view.version("k") == m._view.version("k")


def test_threads_of_one_mapping_never_move_the_view_back() -> None:
    m = CloudMapping[str, int](MemoryProvider())
    m["k"] = 0

    def work(i: int) -> Any:
        if i % 2:
            return m.modify("k", lambda n: n + 1)
        try:
            return m.get_many(["k"])
        except BulkError as exc:  # a modify replaced the version being read: a real conflict
            return [type(e) for e in exc.errors.values()]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(200)))
    assert all(r == [KeySyncError] for r in results if isinstance(r, list))
    m["k"] = -1  # the view holds the latest version: no KeySyncError
    assert m["k"] == -1
