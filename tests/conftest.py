"""Shared fixtures: emulator plugins are registered here, one module per emulator."""

from __future__ import annotations

pytest_plugins: list[str] = []
