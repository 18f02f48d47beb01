"""LocalProvider: the conformance suite, path safety, long names, crash leftovers, processes."""

from __future__ import annotations

import errno
import multiprocessing
import os
import random
import threading
import time
from pathlib import Path

import pytest

from typed_cloudmap import CloudMapping
from typed_cloudmap.errors import CodecError, KeySyncError, ProviderError, ValueSizeError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers._base import Provider
from typed_cloudmap.providers.local import LocalProvider
from typed_cloudmap.testing import DirectoryRaw, ProviderConformance, RawAccess


class TestLocalProvider(ProviderConformance):
    @pytest.fixture
    def provider(self, tmp_path: Path) -> Provider:
        return LocalProvider(tmp_path / "store")

    @pytest.fixture
    def raw(self, tmp_path: Path) -> RawAccess:
        return DirectoryRaw(tmp_path / "store")

    def test_long_name(self, provider: Provider, prefix: str) -> None:
        """A file system holds 255 bytes per segment: a longer one is refused, naming the key;
        a long name of shorter segments is stored verbatim."""
        with pytest.raises(ValueError, match="over 255 bytes"):
            provider.put(prefix + "n" * 256, b"long")
        room = provider.max_name_length - len(prefix.encode())
        name = prefix + "/".join(["n" * 200] * (room // 201))
        provider.put(name, b"long", mode="create")
        got = provider.get(name)
        assert got is not None
        assert got.data == b"long"
        assert [o.name for o in provider.list(prefix)] == [name]


class TestLocalProviderSidecar(ProviderConformance):
    """The same suite with metadata in the ``.typed-cloudmap/meta`` sidecar."""

    @pytest.fixture
    def provider(self, tmp_path: Path) -> Provider:
        return LocalProvider(tmp_path / "store", metadata="sidecar")

    @pytest.fixture
    def raw(self, tmp_path: Path) -> RawAccess:
        return DirectoryRaw(tmp_path / "store")

    test_long_name = TestLocalProvider.test_long_name


def _files(root: Path) -> set[str]:
    """The data files under ``root``, outside the store's own ``.typed-cloudmap`` folder."""
    found = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    return {f for f in found if not f.startswith(".typed-cloudmap/")}


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
        "a/.typed-cloudmap/b",
        "n/" + "x" * 256,
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
        with pytest.raises(ValueError, match=r"object name .* cannot be a file") as info:
            call()
        assert not isinstance(info.value, KeySyncError)
    assert list(local.list()) == []


def test_escape_attempt_writes_nothing_outside_root(tmp_path: Path) -> None:
    provider = LocalProvider(tmp_path / "store")
    with pytest.raises(ValueError, match="object name"):
        provider.put("../outside", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


# --- layout: a plain directory ------------------------------------------------------------


def test_object_is_a_plain_file_with_exactly_the_bytes(local: LocalProvider) -> None:
    local.put("a/b/c", b"\x00raw bytes\xff", metadata={"tcm_codec": "raw"}, content_type="x/y")
    root = Path(local.root)
    assert (root / "a" / "b" / "c").read_bytes() == b"\x00raw bytes\xff"
    assert _files(root) == {"a/b/c"}
    assert local.metadata_store == "xattr"  # this machine's file systems take user xattrs
    assert b"tcm_codec" in os.getxattr(root / "a" / "b" / "c", "user.typed-cloudmap")
    got = local.get("a/b/c")
    assert got is not None
    assert (got.metadata, got.content_type) == ({"tcm_codec": "raw"}, "x/y")


def test_sub_directory_is_the_store_of_its_sub_prefix(tmp_path: Path) -> None:
    top = LocalProvider(tmp_path / "data")
    top.put("users/alice", b"A", metadata={"tcm_codec": "orjson"})
    top.put("users/team/bob", b"B")
    top.put("other", b"O")
    sub = LocalProvider(tmp_path / "data" / "users")
    assert [o.name for o in sub.list()] == ["alice", "team/bob"]
    got = sub.get("alice")
    assert got is not None
    assert (got.data, got.metadata) == (b"A", {"tcm_codec": "orjson"})
    assert sub.head("alice").etag == top.head("users/alice").etag
    assert sub.home == top.home  # one lock folder for both
    etag = sub.put("carol", b"C", mode="create")
    assert top.head("users/carol").etag == etag
    with pytest.raises(KeySyncError):
        top.put("users/carol", b"C2", mode="create")


def test_sidecar_is_detected_where_xattrs_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOTSUP, "Operation not supported")

    monkeypatch.setattr(os, "setxattr", refuse)
    store = LocalProvider(tmp_path / "store")
    store.put("k", b"v", metadata={"tcm_codec": "raw"})
    assert store.metadata_store == "sidecar"
    meta = tmp_path / "store" / ".typed-cloudmap" / "meta"
    assert len(list(meta.iterdir())) == 1
    assert [o.name for o in store.list()] == ["k"]
    got = LocalProvider(tmp_path / "store").get("k")  # another instance finds the sidecar
    assert got is not None
    assert got.metadata == {"tcm_codec": "raw"}
    # Another tool replaces the file: the sidecar no longer belongs to it.
    (tmp_path / "store" / "k.new").write_bytes(b"foreign")
    os.replace(tmp_path / "store" / "k.new", tmp_path / "store" / "k")
    got = store.get("k")
    assert got is not None
    assert (got.data, got.metadata) == (b"foreign", {})
    store.delete("k")
    assert list(meta.iterdir()) == []


def test_store_folder_is_private_and_ignored_by_git(local: LocalProvider) -> None:
    local.put("k", b"v")
    home = Path(local.root) / ".typed-cloudmap"
    assert home.stat().st_mode & 0o777 == 0o700
    assert (home / ".gitignore").read_text().splitlines()[-1] == "*"
    for lock in (home / "locks").iterdir():
        assert lock.stat().st_mode & 0o777 == 0o600


def test_private_mode_makes_owner_only_files(tmp_path: Path) -> None:
    store = LocalProvider(tmp_path / "store", private=True)
    store.put("a/b", b"secret")
    assert (tmp_path / "store" / "a" / "b").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "store" / "a").stat().st_mode & 0o777 == 0o700


# --- names the file system cannot hold --------------------------------------------------


def test_key_beside_a_folder_of_the_same_name_is_refused(local: LocalProvider) -> None:
    local.put("a/b", b"1")
    with pytest.raises(ValueError, match=r"'a' is a folder holding other objects") as info:
        local.put("a", b"2")
    assert not isinstance(info.value, KeySyncError)
    local.put("x", b"3")
    with pytest.raises(ValueError, match=r"object name 'x/y' .* 'x' is a file"):
        local.put("x/y", b"4")
    with pytest.raises(KeyError):
        local.get("x/y")
    with pytest.raises(KeyError):
        local.get("a")  # a folder is a prefix, not an object
    assert [o.name for o in local.list()] == ["a/b", "x"]


def test_list_is_sorted_across_folders(local: LocalProvider) -> None:
    names = ["a-c", "a/b", "a0", "a/b2/c", "b", "a.", "caf\u00e9", "z/\U0001f600", "z/~"]
    for n in names:
        local.put(n, b"1")
    assert [o.name for o in local.list()] == sorted(names)
    assert [o.name for o in local.list("a")] == sorted(n for n in names if n.startswith("a"))
    assert [o.name for o in local.list("a/b2/")] == ["a/b2/c"]
    assert list(local.list("nothing/")) == []
    assert list(local.list("../")) == []


def test_name_over_the_limit_is_refused(local: LocalProvider) -> None:
    with pytest.raises(ValueSizeError):
        local.put("n/" * (local.max_name_length // 2) + "n", b"x")
    local.put("/".join(["n" * 200] * 5), b"x")


# --- files of other tools -----------------------------------------------------------------


def test_foreign_file_is_an_object_without_metadata(local: LocalProvider) -> None:
    root = Path(local.root)
    (root / "users").mkdir()
    (root / "users" / "dropped.json").write_text('{"name": "x"}')
    (root / "README").write_text("hello")
    assert [o.name for o in local.list()] == ["README", "users/dropped.json"]
    got = local.get("users/dropped.json")
    assert got is not None
    assert (got.data, got.metadata, got.content_type) == (b'{"name": "x"}', {}, None)


def test_in_place_edit_changes_the_etag(local: LocalProvider) -> None:
    etag = local.put("k", b"aaaa", metadata={"tcm_codec": "raw"})
    path = Path(local.root) / "k"
    inode = path.stat().st_ino
    with open(path, "r+b") as f:  # same inode, same size: only the bytes and times change
        f.write(b"bbbb")
    assert path.stat().st_ino == inode
    got = local.get("k")
    assert got is not None
    assert got.data == b"bbbb"
    assert got.etag != etag
    assert got.metadata == {"tcm_codec": "raw"}  # xattrs stay with the inode
    assert local.get("k", if_none_match=etag) is not None
    with pytest.raises(KeySyncError):
        local.put("k", b"c", mode=IfMatch(etag))
    assert [o.etag for o in local.list()] == [got.etag]


def test_damaged_metadata_is_a_codec_error(local: LocalProvider) -> None:
    local.put("k", b"v", metadata={"tcm_codec": "raw"})
    os.setxattr(Path(local.root) / "k", "user.typed-cloudmap", b"{not json")
    with pytest.raises(CodecError, match="'k'"):
        local.get("k")
    with pytest.raises(CodecError, match="'k'"):
        local.head("k")


def test_damaged_file_is_a_codec_error_never_a_key_error(tmp_path: Path) -> None:
    users = CloudMapping[str, dict[str, int]](LocalProvider(tmp_path), codec="orjson|zstd")
    users["alice"] = {"a": 1}
    with open(tmp_path / "alice", "r+b") as f:  # damaged in place: the metadata stays
        f.write(b"\x28\xb5\x2f\xfd garbage")
    (tmp_path / "bob").write_bytes(b"not zstd at all")  # a foreign file, no metadata
    reader = CloudMapping[str, dict[str, int]](LocalProvider(tmp_path), codec="orjson|zstd")
    assert sorted(reader) == ["alice", "bob"]
    for key in ("alice", "bob"):
        with pytest.raises(CodecError, match=key):
            reader[key]


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
                    provider.put("counter", str(int(got.data) + 1).encode(), mode=IfMatch(got.etag))
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
    provider.put("counter", b"0", mode="create")
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
    assert sorted(os.listdir(provider.root)) == [".typed-cloudmap", "counter"]


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    LocalProvider(tmp_path).put("k", b"v")
    tmp = tmp_path / ".typed-cloudmap" / "tmp"
    (tmp / "old").write_bytes(b"dead writer")
    (tmp / "recent").write_bytes(b"maybe a live writer")
    os.utime(tmp / "old", (time.time() - 2 * 24 * 3600,) * 2)
    LocalProvider(tmp_path).put("k", b"v2")  # a new instance cleans up once
    assert sorted(p.name for p in tmp.iterdir()) == ["recent"]


def test_mapping_sync_skips_what_is_not_an_object(tmp_path: Path) -> None:
    """Links, FIFOs and undecodable names never abort a mapping's ``sync`` or iteration."""
    counts = CloudMapping[str, int](LocalProvider(tmp_path / "store"), codec="orjson")
    counts["good"] = 1
    root = tmp_path / "store"
    os.mkfifo(root / "pipe")
    (root / "link").symlink_to(tmp_path)
    with open(os.path.join(os.fsencode(root), b"bad\xff"), "wb") as f:
        f.write(b"2")
    counts.sync()
    assert dict(counts) == {"good": 1}


def test_metadata_too_big_for_an_xattr_is_a_value_size_error(local: LocalProvider) -> None:
    with pytest.raises(ValueSizeError, match="metadata"):
        local.put("k", b"v", metadata={"big": "x" * 70_000})  # over the 64 KiB cap
    refused = ""
    try:  # ext4 holds one block (4 KiB) per attribute; XFS, btrfs and tmpfs hold 64 KiB
        local.put("k", b"v", metadata={"big": "x" * 10_000})
    except ValueSizeError as exc:
        refused = str(exc)
    if refused:
        assert "extended-attribute limit" in refused
        with pytest.raises(KeyError):
            local.get("k")  # nothing was written
    else:
        got = local.get("k")
        assert got is not None
        assert got.metadata == {"big": "x" * 10_000}


def test_planted_links_in_the_store_folder_are_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / ".typed-cloudmap").symlink_to(elsewhere)
    store = LocalProvider(tmp_path / "store")
    with pytest.raises(ProviderError, match="symbolic link"):
        store.put("k", b"v")
    assert list(elsewhere.iterdir()) == []

    other = LocalProvider(tmp_path / "other")
    other.put("k", b"v")
    locks = tmp_path / "other" / ".typed-cloudmap" / "locks"
    for lock in locks.iterdir():
        lock.unlink()
        lock.symlink_to(elsewhere / lock.name)  # dangling: following it would create a file
    with pytest.raises(ProviderError):
        other.put("k", b"v2")
    assert list(elsewhere.iterdir()) == []


def test_file_url_options_are_declared(tmp_path: Path) -> None:
    from typed_cloudmap.providers import open_url
    from typed_cloudmap.providers._options import public_option_names

    url = f"file://{tmp_path}/s?fsync=false&private=true&create=true&codec=json"
    provider, prefix, options = open_url(url)
    assert isinstance(provider, LocalProvider)
    assert (prefix, options) == ("", {"codec": "json"})
    provider.put("a/b", b"x", mode="create")
    assert (tmp_path / "s" / "a" / "b").stat().st_mode & 0o777 == 0o600  # private=true
    assert {"create", "fsync", "private"} <= public_option_names("file")
    with pytest.raises(ValueError, match="not a boolean"):
        open_url(f"file://{tmp_path}/s?fsync=maybe")
