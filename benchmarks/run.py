"""Every benchmark in one process: codec path, compression, LocalProvider, cloud.

``python benchmarks/run.py`` (what ``make bench`` runs) takes a few minutes; ``--quick``
shrinks every size for a smoke run; ``--markdown FILE`` also writes the tables as Markdown
(the source of ``docs/performance.md``'s figures). Emulators start on loopback ports and
stop at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The benchmarks directory is on sys.path from here on: its modules import each other by name.
import _timing
import bench_cloud
import bench_codecs
import bench_compression
import bench_encryption
import bench_local
from _report import Report
from rich.console import Console


def _captured(title: str, fn: object, argv: list[str], sections: list[str]) -> None:
    """Run a script's ``main(argv)`` that prints plain text; echo it and keep it for Markdown."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        fn(argv)  # type: ignore[operator]  # each bench module's main(argv)
    text = buffer.getvalue()
    print(f"\n{title}\n{text}")
    sections.append(f"**{title}**\n\n```text\n{text.rstrip()}\n```\n")


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--markdown", type=Path, help="also write every table here as Markdown")
    parser.add_argument("--skip-cloud", action="store_true", help="only the in-process benchmarks")
    args = parser.parse_args(argv)
    if args.quick:
        _timing.smoke()
    console = Console(width=140)
    started = time.perf_counter()
    report = Report()
    sections: list[str] = []

    codec_console = Console(width=140, record=True)
    report.codec_rows = bench_codecs.main(codec_console)
    sections.append(f"```text\n{codec_console.export_text().rstrip()}\n```\n")
    encryption_console = Console(width=140, record=True)
    bench_encryption.main(["--skip-kms"] if args.skip_cloud else [], encryption_console)
    sections.append(f"```text\n{encryption_console.export_text().rstrip()}\n```\n")
    seconds = "0.01" if args.quick else "0.2"
    _captured("zstd vs zlib", bench_compression.main, ["--seconds", seconds], sections)
    rounds = "5" if args.quick else "300"
    _captured("LocalProvider vs plain file calls", bench_local.main, ["--rounds", rounds], sections)
    if not args.skip_cloud:
        bench_cloud.main(report, bench_cloud.QUICK if args.quick else bench_cloud.FULL)
    report.print(console)
    elapsed = time.perf_counter() - started
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )
    console.print(f"all benchmarks took {elapsed:.0f} s on {machine}")
    if args.markdown is not None:
        args.markdown.write_text("\n".join([report.markdown(), *sections]))
    return report


if __name__ == "__main__":
    main()
