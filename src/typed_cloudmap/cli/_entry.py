"""The ``typed-cloudmap`` console script: a one-line install hint when the ``cli`` extra is absent.

This module imports only the standard library and :mod:`typed_cloudmap.errors` before it
checks for typer and rich, so a core install (pydantic, orjson, zstandard) gets a hint
instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys

from ..errors import MissingDependencyError

_CLI_PACKAGES = ("typer", "rich")


def main() -> None:
    """Run the command line, or print how to install it and exit 1."""
    try:
        for package in _CLI_PACKAGES:
            importlib.import_module(package)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in _CLI_PACKAGES:
            raise
        hint = MissingDependencyError(missing, "cli")
        sys.stderr.write(f"typed-cloudmap: the command line needs typer and rich; {hint}\n")
        raise SystemExit(1) from None
    from ._app import app

    app(prog_name="typed-cloudmap")
