"""Fixtures for the codec tests: a registry restored after each test that changes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from typed_cloudmap.codecs import _registry


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """Undo any ``register_codec`` and any plugin loaded during the test."""
    registered = dict(_registry._registered)
    loaded = dict(_registry._loaded)
    yield
    _registry._registered.clear()
    _registry._registered.update(registered)
    _registry._loaded.clear()
    _registry._loaded.update(loaded)
