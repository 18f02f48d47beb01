"""Every benchmark in one process: codec path, compression, LocalProvider, cloud, transports,
the async mapping.

``python -m benchmarks`` (what ``make bench`` runs) takes a few minutes; ``--quick``
shrinks every size for a smoke run; ``--markdown FILE`` also writes the tables as Markdown
(the source of ``docs/performance.md``'s figures). Emulators start on loopback ports and
stop at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform
import time
from pathlib import Path

from rich.console import Console

from . import (
    _timing,
    bench_async_mapping,
    bench_cloud,
    bench_codecs,
    bench_compression,
    bench_encryption,
    bench_local,
    bench_transports,
)
from ._report import Report


def _captured(title: str, fn: object, argv: list[str], sections: list[str]) -> None:
    """Run a script's ``main(argv)`` that prints plain text; echo it and keep it for Markdown."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        fn(argv)  # type: ignore[operator]  # each bench module's main(argv)
    text = buffer.getvalue()
    print(f"\n{title}\n{text}")
    sections.append(f"**{title}**\n\n```text\n{text.rstrip()}\n```\n")


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--markdown", type=Path, help="also write every table here as Markdown")
    parser.add_argument("--skip-cloud", action="store_true", help="only the in-process benchmarks")
    parser.add_argument(
        "--sdk-only",
        action="store_true",
        help="only the clouds vs their raw SDKs and obstore: 1 KB put/get, bulk get",
    )
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
    if not args.sdk_only:
        encryption_console = Console(width=140, record=True)
        bench_encryption.main(["--skip-kms"] if args.skip_cloud else [], encryption_console)
        sections.append(f"```text\n{encryption_console.export_text().rstrip()}\n```\n")
        seconds = "0.01" if args.quick else "0.2"
        _captured("zstd vs zlib", bench_compression.main, ["--seconds", seconds], sections)
        rounds = "5" if args.quick else "300"
        local = bench_local.main
        _captured("LocalProvider vs plain file calls", local, ["--rounds", rounds], sections)
    if not args.skip_cloud:
        sizes = bench_cloud.QUICK if args.quick else bench_cloud.FULL
        bench_cloud.main(report, sizes, sdk_only=args.sdk_only)
        if not args.sdk_only:
            quick = ["--quick"] if args.quick else []
            title = "Transports: raw boto3, raw obstore, typed-cloudmap on each"
            _captured(title, bench_transports.main, quick, sections)
            title = "Async mapping: bulk with 20 ms added per request, single-op CPU"
            servers = ["--servers", "moto"] if args.quick else []
            _captured(title, bench_async_mapping.main, quick + servers, sections)
    report.print(console)
    elapsed = time.perf_counter() - started
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )
    console.print(f"all benchmarks took {elapsed:.0f} s on {machine}")
    if args.markdown is not None:
        args.markdown.write_text("\n".join([report.markdown(), *sections]))
    return report
