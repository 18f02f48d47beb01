"""LocalProvider: the conformance suite, path safety, long names, crash leftovers, processes."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import random
import threading
import time
from pathlib import Path

import pytest

from typed_cloudmap.errors import KeySyncError, ProviderError, ValueSizeError
from typed_cloudmap.providers._base import Provider
from typed_cloudmap.providers.local import LocalProvider
from typed_cloudmap.testing import DirectoryRaw, ProviderConformance, RawAccess

_HEADER_FORMAT = (
    "LocalProvider writes a header before the bytes and encodes names in file names, so the "
    "file root/a/b/c is not the object a/b/c (issue 10 makes the store a plain directory)"
)


class TestLocalProvider(ProviderConformance):
    known_gaps = {  # noqa: RUF012  # overrides the ClassVar of the suite
        "test_raw_stored_bytes_are_the_value": _HEADER_FORMAT,
        "test_raw_names_are_stored_verbatim": _HEADER_FORMAT,
        "test_raw_object_written_outside_is_read": _HEADER_FORMAT,
        "test_raw_change_outside_is_a_new_version": _HEADER_FORMAT,
    }

    @pytest.fixture
    def provider(self, tmp_path: Path) -> Provider:
        return LocalProvider(tmp_path / "store")

    @pytest.fixture
    def raw(self, tmp_path: Path) -> RawAccess:
        return DirectoryRaw(tmp_path / "store")


@pytest.fixture
def local(tmp_path: Path) -> LocalProvider:
    return LocalProvider(tmp_path / "store")


@pytest.fixture
def fast(tmp_path: Path) -> LocalProvider:
    """No fsyncs: for tests of atomicity and locking with many writes (fsync adds only time)."""
    return LocalProvider(tmp_path / "store", fsync=False)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../x",
        "a/../../x",
        "a/./b",
        "./a",
        "a//b",
        "a/",
        "",
        "a\\b",
        "a\x00b",
        "..",
        ".",
    ],
)
def test_names_that_could_escape_are_refused(local: LocalProvider, name: str) -> None:
    for call in (
        lambda: local.put(name, b"x"),
        lambda: local.get(name),
        lambda: local.head(name),
        lambda: local.delete(name),
    ):
        with pytest.raises(ValueError, match="object name") as info:
            call()
        assert not isinstance(info.value, KeySyncError)
    assert list(local.list()) == []


def test_escape_attempt_writes_nothing_outside_root(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store")
    with pytest.raises(ValueError, match="object name"):
        provider.put("../outside", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_file_and_folder_of_the_same_name_coexist(local: LocalProvider) -> None:
    names = [
        "a",
        "a/b",
        "a/b/c",
        "x.tcm",
        "x.tcm/y",
        "x.dir/z",
        "l.lock/m",
        "t.tmp/u",
        "_locks.lock/v",
    ]
    for n in names:
        local.put(n, n.encode(), create_only=True)
    for n in names:
        got = local.get(n)
        assert got is not None
        assert got.data == n.encode()
    assert [o.name for o in local.list()] == sorted(names)
    assert [o.name for o in local.list("a/")] == ["a/b", "a/b/c"]
    assert [o.name for o in local.list("x")] == ["x.dir/z", "x.tcm", "x.tcm/y"]


def test_list_is_sorted_across_folders(local: LocalProvider) -> None:
    names = ["a-c", "a/b", "a", "a0", "a/b/c", "b", "a.", "caf\u00e9", "z/\U0001f600", "z/~"]
    for n in names:
        local.put(n, b"1")
    assert [o.name for o in local.list()] == sorted(names)
    assert [o.name for o in local.list("a")] == sorted(n for n in names if n.startswith("a"))
    assert [o.name for o in local.list("a/b/")] == ["a/b/c"]
    assert list(local.list("nothing/")) == []
    assert list(local.list("../")) == []


def test_long_segments_are_hashed_but_keep_their_names(local: LocalProvider) -> None:
    long_file = "d/" + "f" * 300
    long_dir = "e" * 400 + "/leaf"
    unicode_long = "\u00e9" * 200  # 400 bytes of UTF-8
    for n in (long_file, long_dir, unicode_long, "e/short"):
        local.put(n, n.encode(), create_only=True)
        got = local.get(n)
        assert got is not None
        assert got.data == n.encode()
        assert local.head(n).size == len(n.encode())
    listed = [o.name for o in local.list()]
    assert listed == sorted([long_file, long_dir, unicode_long, "e/short"])
    assert [o.name for o in local.list("e")] == sorted([long_dir, "e/short"])
    assert [o.name for o in local.list("e" * 400)] == [long_dir]
    assert all(len(part) <= 255 for f in _files(Path(local.root)) for part in f.split("/"))
    local.delete(long_dir)
    local.delete(long_file)
    assert [o.name for o in local.list()] == sorted([unicode_long, "e/short"])


def test_name_over_the_limit_is_refused(local: LocalProvider) -> None:
    with pytest.raises(ValueSizeError):
        local.put("n" * (local.max_name_length + 1), b"x")
    local.put("n" * local.max_name_length, b"x")


# --- files on disk ----------------------------------------------------------------------


def test_leftover_temp_files_are_ignored(local: LocalProvider) -> None:
    local.put("k", b"v1")
    root = Path(local.root)
    # What a writer killed between creating its temp file and renaming it leaves behind.
    (root / "0123456789abcdef0123456789abcdef.tmp").write_bytes(b"TCM1garbage")
    (root / "half").mkdir()
    (root / "half" / "fedcba9876543210fedcba9876543210.tmp").write_bytes(b"")
    assert [o.name for o in local.list()] == ["k"]
    got = local.get("k")
    assert got is not None
    assert got.data == b"v1"
    with pytest.raises(KeyError):
        local.get("half/x")
    local.put("half/x", b"new", create_only=True)
    assert [o.name for o in local.list()] == ["half/x", "k"]


def test_foreign_and_damaged_files_are_skipped_in_listing(local: LocalProvider) -> None:
    local.put("good", b"1")
    root = Path(local.root)
    (root / "README.txt").write_text("not an object")
    (root / "bad.tcm").write_bytes(b"not a header")
    (root / "copy.tcm").write_bytes((root / "good.tcm").read_bytes())  # header names "good"
    assert [o.name for o in local.list()] == ["good"]
    with pytest.raises(ProviderError):
        local.get("bad")
    with pytest.raises(ProviderError):
        local.get("copy")


def test_no_temp_or_lock_files_in_listings_after_many_writes(fast: LocalProvider) -> None:
    for i in range(300):
        fast.put(f"k{i % 7}", b"x")
    assert [o.name for o in fast.list()] == [f"k{i}" for i in range(7)]
    root = Path(fast.root)
    assert not [f for f in _files(root) if f.endswith(".tmp")]
    assert len(list((root / "_locks.lock").iterdir())) <= 256


def test_deletes_remove_empty_folders(local: LocalProvider) -> None:
    local.put("a/b/c/d", b"1")
    local.put("a/x", b"2")
    local.delete("a/b/c/d")
    root = Path(local.root)
    assert not (root / "a" / "b").exists()
    assert (root / "a").is_dir()
    local.delete("a/x")
    assert not (root / "a").exists()
    assert root.is_dir()


def test_writes_and_deletes_racing_in_one_folder(fast: LocalProvider) -> None:
    """Pruning empty folders never makes a concurrent create fail."""
    errors: list[BaseException] = []

    def churn(worker: int) -> None:
        try:
            for i in range(150):
                name = f"deep/er/{worker}-{i}"
                etag = fast.put(name, b"x", create_only=True)
                fast.delete(name, if_match=etag)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(fast.list()) == []


def test_data_and_metadata_change_together(fast: LocalProvider) -> None:
    etag = fast.put("k", b"v1", metadata={"tcm_token": "1"}, content_type="text/plain")
    stop = threading.Event()
    torn: list[tuple[bytes, dict[str, str]]] = []

    def read() -> None:
        while not stop.is_set():
            got = fast.get("k")
            assert got is not None
            if got.data.decode() != "v" + got.metadata["tcm_token"]:
                torn.append((got.data, dict(got.metadata)))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(2, 200):
            etag = fast.put("k", f"v{i}".encode(), if_match=etag, metadata={"tcm_token": str(i)})
    finally:
        stop.set()
        reader.join()
    assert torn == []


def test_etags_are_unique_per_version(fast: LocalProvider) -> None:
    etags = {fast.put("k", b"same") for _ in range(50)}
    assert len(etags) == 50


def test_missing_root_without_create(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="does not exist"):
        LocalProvider(tmp_path / "nope", create=False)
    assert not (tmp_path / "nope").exists()


def test_pickles_by_root_and_sees_other_writers(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store", fsync=False)
    clone = pickle.loads(pickle.dumps(provider))
    assert clone.root == provider.root
    assert clone.name == provider.name == f"file://{tmp_path / 'store'}"
    provider.put("k", b"after pickling")
    got = clone.get("k")
    assert got is not None
    assert got.data == b"after pickling"


def test_relative_root_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    provider = LocalProvider("data/users")
    assert provider.root == str(tmp_path / "data" / "users")
    assert repr(provider) == f"LocalProvider({str(tmp_path / 'data' / 'users')!r})"


# --- across processes -------------------------------------------------------------------

_PROCESSES, _THREADS, _INCREMENTS = 4, 8, 25


def _increment_worker(root: str, start: float) -> int:
    """Run in a child process: THREADS threads each add 1 to the counter INCREMENTS times."""
    provider = LocalProvider(root, create=False, fsync=False)
    conflicts = [0] * _THREADS
    time.sleep(max(0.0, start - time.time()))

    def work(t: int) -> None:
        for _ in range(_INCREMENTS):
            while True:
                got = provider.get("counter")
                assert got is not None
                try:
                    provider.put("counter", str(int(got.data) + 1).encode(), if_match=got.etag)
                    break
                except KeySyncError:
                    conflicts[t] += 1
                    time.sleep(random.uniform(0, 0.002))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(conflicts)


def test_conditional_increments_across_processes(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store")
    provider.put("counter", b"0", create_only=True)
    context = multiprocessing.get_context("spawn")
    with context.Pool(_PROCESSES) as pool:
        start = time.time() + 1.5  # let every interpreter finish importing before the race
        results = [
            pool.apply_async(_increment_worker, (provider.root, start)) for _ in range(_PROCESSES)
        ]
        conflicts = sum(r.get(timeout=60) for r in results)
    got = provider.get("counter")
    assert got is not None
    assert int(got.data) == _PROCESSES * _THREADS * _INCREMENTS
    assert conflicts > 0, "the processes never raced; the test proves nothing"
    assert [o.name for o in provider.list()] == ["counter"]
    assert sorted(os.listdir(provider.root)) == ["_locks.lock", "counter.tcm"]
