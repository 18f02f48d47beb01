"""One mapping shared by 16 threads doing mixed operations keeps an honest etag view.

"Consistent" here means, for a mapping that is the only writer:

1. no operation raises anything but the documented errors (``KeyError`` for a missing key,
   ``KeySyncError`` for a stale view, ``BulkError`` holding only those);
2. before any ``sync()``, every etag in the view is one that storage really gave for that key
   (never invented, never another key's), and a key whose view is behind storage is *safe*:
   a write through it raises ``KeySyncError`` and stores nothing;
3. after ``sync()``, the view equals storage exactly (same keys, same etags) and every value
   reads back.

A view entry can lag storage even with one mapping: two threads' writes to one key can
record their etags in the other order than they landed. That lag is allowed (it costs a
``KeySyncError``, never a lost update); the test counts it.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from backends import factory_for
from typed_cloudmap import BulkError, CloudMapping, KeySyncError, Provider
from typed_cloudmap.providers import ObjectInfo, StoredObject

THREADS, OPS = 16, 40
KEYS = [f"k{i}" for i in range(12)]


class EtagLog:
    """A provider wrapper that remembers every etag storage reported for each name."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.seen: defaultdict[str, set[str]] = defaultdict(set)
        self._lock = threading.Lock()

    def _saw(self, name: str, etag: str) -> None:
        with self._lock:
            self.seen[name].add(etag)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.inner, attr)

    def get(self, name: str, **kwargs: Any) -> StoredObject | None:
        obj = self.inner.get(name, **kwargs)
        if obj is not None:
            self._saw(name, obj.etag)
        return obj

    def head(self, name: str) -> ObjectInfo:
        info = self.inner.head(name)
        self._saw(name, info.etag)
        return info

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        etag = self.inner.put(name, data, **kwargs)
        self._saw(name, etag)
        return etag

    def delete(self, name: str, **kwargs: Any) -> None:
        self.inner.delete(name, **kwargs)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for info in self.inner.list(prefix):
            self._saw(info.name, info.etag)
            yield info


def _documented(exc: BaseException) -> bool:
    if isinstance(exc, BulkError):
        return all(_documented(e) for e in exc.errors.values())
    return isinstance(exc, KeyError | KeySyncError)


def _one_op(m: CloudMapping[str, int], rng: random.Random) -> str:
    key = rng.choice(KEYS)
    op = rng.choice(
        ["set", "get", "del", "modify", "setdefault", "pop", "in", "set_many", "get_many"]
    )
    if op == "set":
        m[key] = rng.randrange(1000)
    elif op == "get":
        m.get(key)
    elif op == "del":
        del m[key]
    elif op == "modify":
        m.modify(key, lambda n: n + 1, default=0)
    elif op == "setdefault":
        m.setdefault(key, 0)
    elif op == "pop":
        m.pop(key, None)
    elif op == "in":
        _ = key in m
    elif op == "set_many":
        m.set_many({k: rng.randrange(1000) for k in rng.sample(KEYS, 3)})
    else:
        m.get_many(rng.sample(KEYS, 4))
    return op


@pytest.mark.parametrize("backend", ["memory", "local", "s3-moto"])
def test_shared_mapping_under_16_threads(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    log = EtagLog(factory_for(backend, request, tmp_path)())
    m = CloudMapping[str, int](log, prefix="t/")  # type: ignore[arg-type]  # a wrapper
    outcomes: Counter[str] = Counter()
    undocumented: list[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(OPS):
            try:
                op = _one_op(m, rng)
                result = f"{op}:ok"
            except Exception as exc:  # sorted into documented and not below
                result = type(exc).__name__
                if not _documented(exc):
                    with lock:
                        undocumented.append(exc)
            with lock:
                outcomes[result] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    assert undocumented == [], undocumented[:3]

    # 2. before sync: every view etag is real, and a lagging entry is safe
    view = dict(m.etags)
    storage = {info.name.removeprefix("t/"): info.etag for info in log.inner.list("t/")}
    invented = {k: e for k, e in view.items() if e not in log.seen["t/" + k]}
    assert invented == {}
    lagging = {k for k in view.keys() | storage.keys() if view.get(k) != storage.get(k)}
    for key in lagging:
        before = storage.get(key)
        with pytest.raises(KeySyncError):
            m[key] = -1
        assert {i.name: i.etag for i in log.inner.list("t/" + key)}.get("t/" + key) == before
    print(f"\n[threads] {backend}: {dict(outcomes)}; view entries lagging storage: {len(lagging)}")

    # 3. after sync: the view is storage, and every value reads back
    m.sync()
    storage = {info.name.removeprefix("t/"): info.etag for info in log.inner.list("t/")}
    assert dict(m.etags) == storage
    fresh = CloudMapping[str, int](log.inner, prefix="t/")
    assert dict(m.items()) == dict(fresh.items())
