"""LocalProvider on a directory other users can write to, and what concurrent writers leave."""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import pytest

from typed_cloudmap.errors import ProviderError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers.local import LocalProvider


def _files(root: Path) -> set[str]:
    """The data files under ``root``, outside the store's own ``.typed-cloudmap`` folder."""
    found = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    return {f for f in found if not f.startswith(".typed-cloudmap/")}


# --- a directory other users can write to -------------------------------------------------


def test_symlinked_folder_is_refused_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    store = LocalProvider(tmp_path / "shared")
    (tmp_path / "shared" / "a").symlink_to(victim)
    for call in (
        lambda: store.put("a/secret", b"x"),
        lambda: store.put("a/secret", b"x", mode="create"),
        lambda: store.delete("a/secret"),
    ):
        with pytest.raises(ProviderError, match="symbolic link"):
            call()
    assert list(victim.iterdir()) == []
    assert list(store.list()) == []
    with pytest.raises(ProviderError, match="symbolic link"):
        store.get("a/secret")


def test_symlinked_file_is_refused_on_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"private")
    store = LocalProvider(tmp_path / "shared")
    (tmp_path / "shared" / "k").symlink_to(secret)
    with pytest.raises(ProviderError, match="symbolic link"):
        store.get("k")
    assert list(store.list()) == []
    store.put("k", b"mine")  # an unconditional write replaces the link itself
    assert secret.read_bytes() == b"private"


def test_fifo_never_blocks(local: LocalProvider) -> None:
    os.mkfifo(Path(local.root) / "pipe")
    for call in (
        lambda: local.get("pipe"),
        lambda: local.head("pipe"),
        lambda: local.put("pipe", b"x", mode="create"),
        lambda: local.delete("pipe"),
    ):
        with pytest.raises(ProviderError, match="FIFO"):
            call()
    assert list(local.list()) == []


def test_planted_lock_folder_of_another_user_is_not_adopted(tmp_path: Path) -> None:
    (tmp_path / ".typed-cloudmap").mkdir()
    # Writable by others, as a folder planted in a shared directory is: not ours to trust.
    os.chmod(tmp_path / ".typed-cloudmap", 0o777)  # noqa: S103 - the hostile case under test
    store = LocalProvider(tmp_path / "store")
    assert store.home == store.root


def test_lock_wait_times_out(tmp_path: Path) -> None:
    import fcntl

    store = LocalProvider(tmp_path / "store", lock_timeout=0.2)
    store.put("k", b"v")
    for lock in (tmp_path / "store" / ".typed-cloudmap" / "locks").iterdir():
        fd = os.open(lock, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="lock"):
        store.put("k", b"v2")
    assert time.monotonic() - started < 5
    got = store.get("k")
    assert got is not None
    assert got.data == b"v"


def test_deep_planted_tree_lists_without_recursion_error(local: LocalProvider) -> None:
    path = Path(local.root)
    for _ in range(1000):
        path = path / "d"
        os.mkdir(path)
    (path / "leaf").write_bytes(b"x")
    local.put("top", b"1")
    try:
        assert [o.name for o in local.list()] == ["top"]  # the leaf's name is over 1024 bytes
    finally:  # remove it bottom-up: shutil.rmtree (pytest's cleanup) recurses per level
        (path / "leaf").unlink()
        while path != Path(local.root):
            path.rmdir()
            path = path.parent


def test_unreadable_and_odd_names_are_skipped(local: LocalProvider) -> None:
    local.put("ok", b"1")
    os.mkdir(os.path.join(os.fsencode(local.root), b"bad\xff"))
    with open(os.path.join(os.fsencode(local.root), b"bad\xff", b"x"), "wb") as f:
        f.write(b"2")
    assert [o.name for o in local.list()] == ["ok"]


def test_leftover_temp_files_are_ignored(local: LocalProvider) -> None:
    local.put("k", b"v1")
    tmp = Path(local.root) / ".typed-cloudmap" / "tmp"
    (tmp / "0123456789abcdef0123456789abcdef").write_bytes(b"half a write")
    assert [o.name for o in local.list()] == ["k"]
    got = local.get("k")
    assert got is not None
    assert got.data == b"v1"


def test_no_temp_or_lock_files_in_listings_after_many_writes(fast: LocalProvider) -> None:
    for i in range(300):
        fast.put(f"k{i % 7}", b"x")
    assert [o.name for o in fast.list()] == [f"k{i}" for i in range(7)]
    root = Path(fast.root)
    assert _files(root) == {f"k{i}" for i in range(7)}
    assert list((root / ".typed-cloudmap" / "tmp").iterdir()) == []
    assert len(list((root / ".typed-cloudmap" / "locks").iterdir())) <= 256


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
                etag = fast.put(name, b"x", mode="create")
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
            etag = fast.put(
                "k", f"v{i}".encode(), mode=IfMatch(etag), metadata={"tcm_token": str(i)}
            )
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
