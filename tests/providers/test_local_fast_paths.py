"""LocalProvider's fast paths keep their guarantees: no temp files left, fresh metadata, fork."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from typed_cloudmap.providers import _local_files
from typed_cloudmap.providers.local import LocalProvider

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="xattrs through os: Linux only")


def _temp_files(local: LocalProvider) -> list[str]:
    return os.listdir(Path(local.home) / ".typed-cloudmap" / "tmp")


def test_puts_at_the_root_and_below_leave_no_temp_files(tmp_path: Path) -> None:
    local = LocalProvider(tmp_path / "s", metadata="xattr")
    for name in ("k", "a/b/k"):
        for round_ in range(3):
            local.put(name, b"v%d" % round_, metadata={"n": str(round_)})
    assert _temp_files(local) == []
    got = local.get("a/b/k")
    assert got is not None
    assert got.data == b"v2"
    assert got.metadata == {"n": "2"}


def test_metadata_edited_in_place_by_another_tool_is_seen(tmp_path: Path) -> None:
    local = LocalProvider(tmp_path / "s", metadata="xattr")
    local.put("k", b"v", metadata={"n": "1"})
    first = local.get("k")  # parsed metadata now remembered for this version
    assert first is not None
    assert first.metadata == {"n": "1"}
    time.sleep(0.05)  # past the kernel's coarse timestamp tick, as any edit a user makes is
    os.setxattr(Path(local.root) / "k", "user.typed-cloudmap", b'{"m": {"n": "2"}}')
    again = local.get("k")
    assert again is not None
    assert again.metadata == {"n": "2"}
    assert again.etag != first.etag  # the same ctime change that refreshes the cache


def test_a_forked_child_draws_its_own_temp_names(tmp_path: Path) -> None:
    parent_name = _local_files.temp_name()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next temp name and leave at once
        try:
            os.write(write, _local_files.temp_name().encode())
        finally:
            os._exit(0)
    os.close(write)
    child_name = os.read(read, 200).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child_name.split("-")[0] != parent_name.split("-")[0]
    assert child_name != _local_files.temp_name()
