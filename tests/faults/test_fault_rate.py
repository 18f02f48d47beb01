"""20 % of requests faulted (503, 500, dropped before/after forwarding, delayed) per emulator.

Figures printed per backend: ``attempted`` writes, ``lost`` (reported stored but not read
back), ``duplicated`` (one ``modify`` increment applied twice), ``false_conflicts``
(``KeySyncError`` for a write whose value is stored), ``unknown`` (``ProviderError``: SDK
retries exhausted, outcome unknown to the caller).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from faults._faulty import RATE_BACKENDS, proxied
from typed_cloudmap import CloudMapping, KeySyncError, ProviderError

RATE = 0.2
KEYS = 200
REWRITES = 50
THREADS, INCREMENTS = 4, 25


def _report(
    capsys: pytest.CaptureFixture[str],
    record_property: pytest.RecordProperty,
    title: str,
    figures: dict[str, int],
) -> None:
    line = f"\n[faults] {title}: " + ", ".join(f"{k}={v}" for k, v in figures.items())
    with capsys.disabled():
        print(line)
    for key, value in figures.items():
        record_property(key, value)


@pytest.mark.parametrize("backend", RATE_BACKENDS)
def test_writes_under_faults_all_read_back(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    record_property: pytest.RecordProperty,
) -> None:
    """200 creates + 50 overwrites through a 20 %-faulty link: every value reads back."""
    with proxied(backend, request, monkeypatch, rate=RATE, seed=1) as (proxy, pair):
        faulty = CloudMapping[str, str](pair.faulty, prefix="w/", codec="str")
        outcomes: dict[str, str] = {}
        attempted: dict[str, str] = {}  # key -> the last value a caller tried to write
        lock = threading.Lock()

        def write(key: str, value: str) -> None:
            with lock:
                attempted[key] = value
            try:
                faulty[key] = value
                outcome = "ok"
            except KeySyncError:
                outcome = "conflict"
            except ProviderError:
                outcome = "unknown"
            with lock:
                outcomes[f"{key}={value}"] = outcome

        keys = [f"k{i:03d}" for i in range(KEYS)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda k: write(k, f"{k}-v1-{uuid.uuid4().hex}"), keys))
            list(pool.map(lambda k: write(k, f"{k}-v2-{uuid.uuid4().hex}"), keys[:REWRITES]))
        faults = sum(v for k, v in proxy.stats.items() if k != "requests")

        check = CloudMapping[str, str](pair.direct, prefix="w/", codec="str")
        stored = dict(check.items())
        counts = Counter(outcomes.values())
        pairs = [(*kv.split("=", 1), o) for kv, o in outcomes.items()]
        # lost: reported stored, is the key's last value, yet not what storage holds
        lost = sum(1 for k, v, o in pairs if o == "ok" and v == attempted[k] and stored.get(k) != v)
        # false conflict: KeySyncError although the value it tried to write is stored
        false_conflicts = sum(1 for k, v, o in pairs if o == "conflict" and stored.get(k) == v)
        figures = {
            "attempted": len(outcomes),
            "requests": proxy.stats["requests"],
            "faults": faults,
            "lost": lost,
            "false_conflicts": false_conflicts,
            "unknown": counts["unknown"],
        }
        _report(capsys, record_property, f"{backend} writes", figures)

        assert faults > 0.1 * proxy.stats["requests"]
        assert len(outcomes) == KEYS + REWRITES
        assert counts["ok"] == KEYS + REWRITES, counts
        assert stored == attempted
        assert lost == 0
        assert false_conflicts == 0
        # The faulty mapping's own view matches storage: every reconciled etag is the real one.
        assert dict(faulty.etags) == dict(check.etags)


@pytest.fixture(scope="module", params=RATE_BACKENDS)
def counter_run(request: pytest.FixtureRequest) -> tuple[str, dict[str, int]]:
    """4 threads x 25 ``modify`` through a 20 %-faulty link, once per backend; its figures.

    The counter is the list of increment ids, so an increment applied twice (a lost reply
    retried after another writer built on it) shows as a duplicate id, and a lost one as a
    missing id.
    """
    backend: str = request.param
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        proxied(backend, request, monkeypatch, rate=RATE, seed=2) as (proxy, pair),
    ):
        counter = CloudMapping[str, list[str]](pair.faulty, prefix="c/")
        done: list[str] = []
        failed: list[str] = []
        lock = threading.Lock()

        def bump(worker: int) -> None:
            for i in range(INCREMENTS):
                op = f"{worker}.{i}"
                try:
                    counter.modify("n", lambda ops, op=op: [*ops, op], default=[])
                except (KeySyncError, ProviderError):
                    with lock:
                        failed.append(op)
                    continue
                with lock:
                    done.append(op)

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(bump, range(THREADS)))
        ops = CloudMapping[str, list[str]](pair.direct, prefix="c/")["n"]
        applied = Counter(ops)
        return backend, {
            "attempted": THREADS * INCREMENTS,
            "requests": proxy.stats["requests"],
            "faults": sum(v for k, v in proxy.stats.items() if k != "requests"),
            "final": len(ops),
            "lost": sum(1 for op in done if op not in applied),
            "duplicated": sum(n - 1 for n in applied.values() if n > 1),
            "failed_calls": len(failed),
            "stored_though_failed": sum(1 for op in failed if op in applied),
        }


def test_modify_under_faults_loses_nothing(
    counter_run: tuple[str, dict[str, int]],
    capsys: pytest.CaptureFixture[str],
    record_property: pytest.RecordProperty,
) -> None:
    """Every increment ``modify`` reported is stored; nothing a failed call computed is."""
    backend, figures = counter_run
    _report(capsys, record_property, f"{backend} modify", figures)
    assert figures["lost"] == 0
    assert figures["stored_though_failed"] == 0
    assert figures["final"] >= figures["attempted"] - figures["failed_calls"]


def test_modify_under_faults_ends_exact(counter_run: tuple[str, dict[str, int]]) -> None:
    """No increment applied twice: the counter ends at exactly 4 x 25."""
    _, figures = counter_run
    assert figures["duplicated"] == 0
    assert figures["final"] == figures["attempted"]
