"""LocalProvider per-operation cost beside the plain file-system calls it is built from.

Run: ``python -m benchmarks.bench_local [--dir DIR] [--rounds N]``. Writes go to a fresh
temporary directory (on ``--dir``'s file system if given, which is what fsync times depend on).
Each figure is the median time per operation; the ratio is LocalProvider / plain.

Plain write = ``open`` a temp file, ``write``, ``fsync``, ``close``, ``os.replace``.
LocalProvider's put also sets the metadata xattr, takes a ``flock``, stats the current file
for a condition, and fsyncs the directory (durability of the rename), which plain does not;
the ``+folder fsync`` row compares it with a plain write that fsyncs the folder too. Each
figure comes as wall time and as this process's CPU time (stable on a loaded machine, but
blind to the wait for the disk), measured in the same alternated rounds.
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

Sample = tuple[float, float, float, float]  # wall us ours, plain; CPU us ours, plain


def _medians_us(
    ours: Callable[[int], object], plain: Callable[[int], object], rounds: int
) -> Sample:
    """Median microseconds per call of each, wall and process CPU, in alternated rounds so
    both see the same disk and machine load."""
    for i in range(min(20, rounds)):  # warm up caches and directories
        ours(i)
        plain(i)
    wall: tuple[list[int], list[int]] = ([], [])
    cpu: tuple[list[int], list[int]] = ([], [])
    for i in range(rounds):
        for side, op in enumerate((ours, plain) if i % 2 else (plain, ours)):
            side = side if i % 2 else 1 - side
            start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
            op(i)
            cpu[side].append(time.process_time_ns() - start_cpu)
            wall[side].append(time.perf_counter_ns() - start)
    return (
        statistics.median(wall[0]) / 1000,
        statistics.median(wall[1]) / 1000,
        statistics.median(cpu[0]) / 1000,
        statistics.median(cpu[1]) / 1000,
    )


def _plain_write(
    directory: str, data: bytes, fsync: bool, folder_fsync: bool = False
) -> Callable[[int], object]:
    final = os.path.join(directory, "plain.bin")

    def write(i: int) -> None:
        temp = os.path.join(directory, f"plain-{i}.tmp")
        with open(temp, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temp, final)
        if folder_fsync:  # what makes the rename itself survive a crash
            folder = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    return write


def _plain_read(directory: str) -> Callable[[int], object]:
    final = os.path.join(directory, "plain.bin")

    def read(i: int) -> bytes:
        with open(final, "rb") as f:
            return f.read()

    return read


def _putter(store: LocalProvider, data: bytes) -> Callable[[int], object]:
    return lambda i: store.put("obj", data)


Row = tuple[str, float, float, float, float]


def _bench_size(scratch: str, label: str, size: int, rounds: int) -> list[Row]:
    data = os.urandom(size)
    plain_dir = os.path.join(scratch, f"plain-{size}")
    os.makedirs(plain_dir)
    rows: list[Row] = []
    for fsync in (True, False):
        unconditional = LocalProvider(os.path.join(scratch, f"store-{size}-{fsync}"), fsync=fsync)
        put = _medians_us(
            _putter(unconditional, data), _plain_write(plain_dir, data, fsync), rounds
        )
        rows.append((f"put {label} ({'fsync' if fsync else 'no fsync'})", *put))
        if fsync:  # the fair baseline: plain with the same two fsyncs (file and folder)
            durable = _plain_write(plain_dir, data, True, folder_fsync=True)
            put = _medians_us(_putter(unconditional, data), durable, rounds)
            rows.append((f"put {label} (vs +folder fsync)", *put))
    store = LocalProvider(os.path.join(scratch, f"store-{size}-True"))
    etag = store.put("obj", data)

    def conditional(i: int) -> None:
        nonlocal etag
        etag = store.put("obj", data, mode=IfMatch(etag))

    plain_write = _plain_write(plain_dir, data, True, folder_fsync=True)
    plain_read = _plain_read(plain_dir)
    rows.append((f"put if_match {label} (fsync)", *_medians_us(conditional, plain_write, rounds)))
    rows.append((f"get {label}", *_medians_us(lambda i: store.get("obj"), plain_read, rounds)))
    rows.append((f"head {label}", *_medians_us(lambda i: store.head("obj"), plain_read, rounds)))
    return rows


def _bench_listing(scratch: str, rounds: int) -> Row:
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
    return (f"list {100 * per_folder:,} keys", *us)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "LocalProvider benchmark").splitlines()[0]
    )
    parser.add_argument("--dir", default=None, help="where to create the scratch directory")
    parser.add_argument("--rounds", type=int, default=300, help="operations per figure")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-local-") as scratch:
        for label, size in (("1 KB", 1024), ("100 KB", 100 * 1024)):
            rows += _bench_size(scratch, label, size, args.rounds)
        rows.append(_bench_listing(scratch, args.rounds))
    head = f"{'ours':>11}{'plain':>11}{'ratio':>7}{'ours CPU':>12}{'plain CPU':>12}{'ratio':>7}"
    print(f"{'operation':<30}{head}")
    for name, ours, plain, ours_cpu, plain_cpu in rows:
        print(
            f"{name:<30}{ours:>8.1f} us{plain:>8.1f} us{ours / plain:>7.2f}"
            f"{ours_cpu:>9.1f} us{plain_cpu:>9.1f} us{ours_cpu / max(plain_cpu, 0.001):>7.2f}"
        )
    print("put if_match is compared with plain + folder fsync; head with a plain read of the")
    print("whole file; list with os.walk + lstat. CPU = this process's CPU time (no disk wait).")


if __name__ == "__main__":
    main()
