"""The ``typed-cloudmap`` command line (the ``cli`` extra: typer and rich).

``main`` is the console script; it prints a one-line install hint when typer or rich is
missing. ``app`` is the typer application (for ``typer.testing.CliRunner``); it is imported on
first use, so importing this package never needs the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._entry import main

if TYPE_CHECKING:
    from ._app import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from ._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
