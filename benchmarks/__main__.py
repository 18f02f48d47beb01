"""``python -m benchmarks [--quick] [--markdown FILE] [--skip-cloud]``."""

from __future__ import annotations

from .run import main

main()
