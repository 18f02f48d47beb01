"""LocalProvider per-operation cost beside the plain file-system calls it is built from.

Run: ``python benchmarks/bench_local.py [--dir DIR] [--rounds N]``. Writes go to a fresh
temporary directory (on ``--dir``'s file system if given, which is what fsync times depend on).
Each figure is the median time per operation; the ratio is LocalProvider / plain.

Plain write = ``open`` a temp file, ``write``, ``fsync``, ``close``, ``os.replace``.
LocalProvider's put also sets the metadata xattr, takes a ``flock``, stats the current file
for a condition, and fsyncs the directory (durability of the rename), which plain does not.
Listing 10,000 keys (100 folders of 100) is timed beside ``os.walk`` with an ``lstat`` per
file (what an etag needs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers.local import LocalProvider


def _medians_us(
    ours: Callable[[int], object], plain: Callable[[int], object], rounds: int
) -> tuple[float, float]:
    """Median microseconds per call of each, interleaved so both see the same disk load."""
    for i in range(min(20, rounds)):  # warm up caches and directories
        ours(i)
        plain(i)
    samples: tuple[list[int], list[int]] = ([], [])
    for i in range(rounds):
        for op, into in ((ours, samples[0]), (plain, samples[1])):
            start = time.perf_counter_ns()
            op(i)
            into.append(time.perf_counter_ns() - start)
    return statistics.median(samples[0]) / 1000, statistics.median(samples[1]) / 1000


def _plain_write(directory: str, data: bytes, fsync: bool) -> Callable[[int], object]:
    final = os.path.join(directory, "plain.bin")

    def write(i: int) -> None:
        temp = os.path.join(directory, f"plain-{i}.tmp")
        with open(temp, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temp, final)

    return write


def _plain_read(directory: str) -> Callable[[int], object]:
    final = os.path.join(directory, "plain.bin")

    def read(i: int) -> bytes:
        with open(final, "rb") as f:
            return f.read()

    return read


def _putter(store: LocalProvider, data: bytes) -> Callable[[int], object]:
    return lambda i: store.put("obj", data)


def _bench_size(scratch: str, label: str, size: int, rounds: int) -> list[tuple[str, float, float]]:
    data = os.urandom(size)
    plain_dir = os.path.join(scratch, f"plain-{size}")
    os.makedirs(plain_dir)
    rows = []
    for fsync in (True, False):
        unconditional = LocalProvider(os.path.join(scratch, f"store-{size}-{fsync}"), fsync=fsync)
        put = _medians_us(
            _putter(unconditional, data), _plain_write(plain_dir, data, fsync), rounds
        )
        rows.append((f"put {label} ({'fsync' if fsync else 'no fsync'})", *put))
    store = LocalProvider(os.path.join(scratch, f"store-{size}-True"))
    etag = store.put("obj", data)

    def conditional(i: int) -> None:
        nonlocal etag
        etag = store.put("obj", data, mode=IfMatch(etag))

    plain_write = _plain_write(plain_dir, data, True)
    plain_read = _plain_read(plain_dir)
    rows.append((f"put if_match {label} (fsync)", *_medians_us(conditional, plain_write, rounds)))
    rows.append((f"get {label}", *_medians_us(lambda i: store.get("obj"), plain_read, rounds)))
    rows.append((f"head {label}", *_medians_us(lambda i: store.head("obj"), plain_read, rounds)))
    return rows


def _bench_listing(scratch: str, rounds: int) -> tuple[str, float, float]:
    store = LocalProvider(os.path.join(scratch, "listing"), fsync=False)
    per_folder = 100 if rounds >= 100 else 10  # --quick runs list 1,000 keys
    for folder in range(100):
        for key in range(per_folder):
            store.put(f"f{folder:03d}/k{key:03d}", b"x")

    def ours(i: int) -> int:
        return sum(1 for _ in store.list())

    def walk(i: int) -> int:
        found = 0
        for top, _, files in os.walk(store.root):
            for name in files:
                os.lstat(os.path.join(top, name))
                found += 1
        return found

    us = _medians_us(ours, walk, max(5, rounds // 30))
    return (f"list {100 * per_folder:,} keys", us[0], us[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=None, help="where to create the scratch directory")
    parser.add_argument("--rounds", type=int, default=300, help="operations per figure")
    args = parser.parse_args(argv)
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-local-") as scratch:
        for label, size in (("1 KB", 1024), ("100 KB", 100 * 1024)):
            rows += _bench_size(scratch, label, size, args.rounds)
        rows.append(_bench_listing(scratch, args.rounds))
    print(f"{'operation':<28}{'LocalProvider':>16}{'plain':>12}{'ratio':>8}")
    for name, ours, plain in rows:
        print(f"{name:<28}{ours:>13.1f} us{plain:>9.1f} us{ours / plain:>8.2f}")
    print("head is compared with a plain read of the whole file; list with os.walk + lstat.")


if __name__ == "__main__":
    main()
