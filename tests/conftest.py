"""Shared fixtures: every ``tests/emulators/<name>.py`` (no leading underscore) is a plugin."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = sorted(
    f"emulators.{p.stem}"
    for p in (Path(__file__).parent / "emulators").glob("*.py")
    if not p.stem.startswith("_")
)
