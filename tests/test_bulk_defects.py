"""The three bulk-path defects of issue 11, each pinned by a test that failed before the fix.

1. ``get_many`` re-recorded each etag without a condition, so a slow GET of an older version
   could replace a newer etag written meanwhile by the same mapping (spurious ``KeySyncError``).
2. ``set_many`` through a pickling executor recorded only the etag a task returned, dropping
   the token history the next write stores in ``tcm_prior``.
3. Every bulk task pickled the whole mapping with its etag view: O(view) bytes per task.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from typed_cloudmap import CloudMapping
from typed_cloudmap.providers import LocalProvider, MemoryProvider, Provider, StoredObject


class PicklingExecutor(Executor):
    """Runs each task in the calling thread, but only after a pickle round trip of the task
    and of its result, as a process-based executor (Dask) would; records each task's size."""

    def __init__(self) -> None:
        self.task_sizes: list[int] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        payload = pickle.dumps((fn, args, kwargs))
        self.task_sizes.append(len(payload))
        fn, args, kwargs = pickle.loads(payload)  # our own bytes
        future: Future[Any] = Future()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller, as an executor does
            future.set_exception(pickle.loads(pickle.dumps(exc)))
        else:
            future.set_result(pickle.loads(pickle.dumps(result)))
        return future


class SlowFirstGet:
    """A provider whose first ``get`` reads the object, then waits for ``release``."""

    def __init__(self, inner: Provider) -> None:
        self._inner = inner
        self.fetched = threading.Event()
        self.release = threading.Event()
        self._first = True

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)

    def get(self, name: str, **kwargs: Any) -> StoredObject | None:
        obj = self._inner.get(name, **kwargs)
        if self._first:
            self._first = False
            self.fetched.set()
            assert self.release.wait(10)
        return obj


def test_get_many_never_puts_an_older_etag_back() -> None:
    provider = SlowFirstGet(MemoryProvider())
    m = CloudMapping[str, int](provider)  # type: ignore[arg-type]  # a wrapping provider
    provider._first = False
    m["k"] = 1
    provider._first = True
    got: dict[str, int] = {}
    reader = threading.Thread(target=lambda: got.update(m.get_many(["k"])))
    reader.start()
    assert provider.fetched.wait(10)
    m["k"] = 2  # version 2, through the same mapping, while the GET of version 1 is slow
    provider.release.set()
    reader.join(10)
    assert got == {"k": 1}
    m["k"] = 3  # was a spurious KeySyncError: the view had gone back to version 1
    assert m["k"] == 3


def _prior(provider: Provider, name: str) -> list[str]:
    return provider.head(name).metadata.get("tcm_prior", "").split()


def _token(provider: Provider, name: str) -> str:
    return provider.head(name).metadata["tcm_token"]


def test_set_many_on_a_pickling_executor_keeps_the_token_history(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store", fsync=False)
    m = CloudMapping[str, int](provider)
    m["k"] = 1
    first = _token(provider, "k")
    m.set_many({"k": 2}, executor=PicklingExecutor())
    second = _token(provider, "k")
    assert _prior(provider, "k") == [first]
    m["k"] = 3
    assert _prior(provider, "k") == [second, first]  # was []: the history had been dropped


def test_get_many_on_a_pickling_executor_keeps_the_token_history(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store", fsync=False)
    CloudMapping[str, int](provider)["k"] = 1
    first = _token(provider, "k")
    m = CloudMapping[str, int](provider)  # knows the etag from its listing, not the history
    assert m.get_many(["k"], executor=PicklingExecutor()) == {"k": 1}
    m["k"] = 2
    assert _prior(provider, "k") == [first]


def _task_sizes(tmp_path: Path, view_size: int) -> list[int]:
    provider = LocalProvider(tmp_path / f"store-{view_size}", fsync=False)
    for i in range(view_size):
        provider.put(f"k{i:05d}", b"%d" % i, metadata={"tcm_codec": "orjson"})
    m = CloudMapping[str, int](provider)
    assert len(m.etags) == view_size
    executor = PicklingExecutor()
    assert m.get_many(["k00000", "k00001"], executor=executor) == {"k00000": 0, "k00001": 1}
    m.set_many({"k00000": 10, "new": 1}, executor=executor)
    m.delete_many(["k00001"], executor=executor)
    return executor.task_sizes


def test_bulk_tasks_do_not_carry_the_view(tmp_path: Path) -> None:
    small = _task_sizes(tmp_path, 30)
    large = _task_sizes(tmp_path, 3000)
    assert len(large) == 5
    assert max(large) < 20_000, large  # was 147,608 bytes per task for 3,000 keys
    assert max(large) - min(small) < 1_000, (small, large)  # not growing with the view


def test_the_core_pickles_without_the_view(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store", fsync=False)
    m = CloudMapping[str, int](provider)
    empty = len(pickle.dumps(m._core))
    m.set_many({f"k{i:04d}": i for i in range(500)})
    assert len(m) == 500
    assert len(pickle.dumps(m._core)) == empty  # the view is the front end's, not the core's
    core = pickle.loads(pickle.dumps(m._core))  # our own bytes
    assert core.fetch("k0001", "k0001", m._view.version("k0001")).value == 1
