"""Smoke test of ``benchmarks/run.py --quick``: every benchmark's code path runs on tiny sizes.

No timing is asserted (figures from a loaded CI machine mean nothing); the test checks that
every case produced a row, that requests were counted, and that the report renders.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def run_module() -> Iterator[Any]:
    pytest.importorskip("s3fs", reason="the bench extra is not installed")
    pytest.importorskip("cloudmappings", reason="the bench extra is not installed")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run

        yield run
    finally:
        sys.path.remove(str(BENCHMARKS))
        import _timing

        _timing.smoke(False)


def test_quick_run_covers_every_case(run_module: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "bench.md"
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    report = run_module.main(["--quick", "--markdown", str(markdown)])
    cases = {row.case.split(" ", 2)[0] + " " + row.case.split(" ", 2)[1] for row in report.rows}
    for wanted in ("put 1", "get 1", "bulk put", "bulk get", "sync 30", "re-read unchanged"):
        assert wanted in cases, f"no rows for {wanted!r}: {sorted(cases)}"
    systems = {row.system for row in report.rows}
    assert {"raw boto3", "typed-cloudmap", "cloud-mappings 2.1.0", "s3fs FSMap"} <= systems
    s3_put = [r for r in report.rows if r.case.startswith("put 1 KB")]
    assert all(r.requests is not None and r.requests >= 1 for r in s3_put)
    assert {run["system"] for run in report.rss} == {"raw boto3", "typed-cloudmap raw"}
    assert report.cached_ratio is not None
    assert [t for t in report.targets() if t[3] is None] == []
    assert "Targets" in markdown.read_text()
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == before


def test_transports_quick_run(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/bench_transports.py --quick``: every system of every table has a row."""
    pytest.importorskip("obstore")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_transports

        bench_transports.main(["--quick"])
    finally:
        sys.path.remove(str(BENCHMARKS))
    out = capsys.readouterr().out
    assert out.count("typed-cloudmap obstore") == 6
    for system in ("raw boto3", "raw obstore", "raw azure-storage-blob", "typed-cloudmap sdk"):
        assert system in out
