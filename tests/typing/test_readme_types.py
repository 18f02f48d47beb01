"""The README's quickstart sample, which it says type-checks under ``mypy --strict``, does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_docs import blocks_of

ROOT = Path(__file__).resolve().parents[2]


def test_readme_sample_passes_mypy_strict(tmp_path: Path) -> None:
    code = "\n\n".join(b.code for b in blocks_of("README.md") if b.is_python)
    assert "users[" in code
    sample = tmp_path / "readme_sample.py"
    sample.write_text(code + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(sample)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
