"""Smoke test of ``python -m benchmarks --quick``: every benchmark's code path runs on tiny sizes.

No timing is asserted (figures from a loaded CI machine mean nothing); the test checks that
every case produced a row with both clocks, that requests were counted, and that the
report renders. Peers that are only in the ``bench`` extra (s3fs, obstore) are left out
with a note when this venv lacks them; their rows are checked when they are installed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import _timing, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def smoke_reset() -> Iterator[None]:
    yield
    _timing.smoke(False)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def test_quick_run_covers_every_case(smoke_reset: None, tmp_path: Path) -> None:
    markdown = tmp_path / "bench.md"
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    report = run.main(["--quick", "--markdown", str(markdown)])
    cases = {row.case.split(" ", 2)[0] + " " + row.case.split(" ", 2)[1] for row in report.rows}
    for wanted in ("put 1", "get 1", "bulk put", "bulk get", "sync 30", "re-read unchanged"):
        assert wanted in cases, f"no rows for {wanted!r}: {sorted(cases)}"
    for cloud in ("Azure (Azurite):", "GCS (fake-gcs-server):"):
        got = {r.case for r in report.rows if r.case.startswith(cloud)}
        assert got == {
            f"{cloud} put 1 KB typed",
            f"{cloud} get 1 KB typed",
            f"{cloud} bulk get 8 keys",
        }
    assert all(r.cpu is not None and r.cpu_ratio is not None for r in report.rows)
    systems = {row.system for row in report.rows}
    wanted_systems = {"raw boto3", "typed-cloudmap", "cloud-mappings 2.1.0", "raw SDK"}
    if _installed("s3fs"):
        wanted_systems.add("s3fs FSMap")
    if _installed("obstore"):
        wanted_systems.add("raw obstore")
    assert wanted_systems <= systems
    s3_put = [r for r in report.rows if r.case.startswith("put 1 KB") and r.system != "raw obstore"]
    assert all(r.requests is not None and r.requests >= 1 for r in s3_put)
    assert {run["system"] for run in report.rss} == {"raw boto3", "typed-cloudmap raw"}
    assert report.cached_ratio is not None
    assert [t for t in report.targets() if t[3] is None] == []
    text = markdown.read_text()
    assert "Targets" in text
    for system in ("CloudMapping (16 threads)", "AsyncCloudMapping (256)", "AsyncCloudMapping x1"):
        assert system in text, f"no async-mapping row for {system!r}"
    for raw in ("raw aiobotocore gather (256)", "raw obstore gather (256)"):
        assert raw in text
    assert "x the sync mapping (target >= 3)" in text
    assert {k: v for k, v in os.environ.items() if k.startswith("AWS_")} == before


def test_quick_sdk_only_run(smoke_reset: None) -> None:
    report = run.main(["--quick", "--sdk-only"])
    s3_cases = {r.case for r in report.rows if ":" not in r.case}
    assert s3_cases == {"put 1 KB typed", "get 1 KB typed", "bulk get 8 keys"}
    assert "cloud-mappings 2.1.0" not in {r.system for r in report.rows}
    assert report.rss == []


def test_benchmarks_import_neither_pytest_nor_tests() -> None:
    """``python -m benchmarks`` stands alone: a fresh interpreter imports it without either."""
    code = (
        "import sys, benchmarks.run, benchmarks.bench_cloud, benchmarks.bench_async_mapping, "
        "emulators; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'pytest', '_pytest', 'tests'}"
        " or m.startswith('emulators.') and 'conftest' in m); print(bad); sys.exit(bool(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_transports_quick_run(capsys: pytest.CaptureFixture[str]) -> None:
    """``benchmarks/bench_transports.py --quick``: every system of every table has a row."""
    pytest.importorskip("obstore")
    from benchmarks import bench_transports

    bench_transports.main(["--quick"])
    out = capsys.readouterr().out
    assert out.count("typed-cloudmap obstore") == 10  # 4 tables per S3 server, 2 Azure
    for system in (
        "raw boto3",
        "raw obstore if-match+attrs",
        "raw azure-storage-blob",
        "S3 (seaweedfs)",
    ):
        assert system in out
