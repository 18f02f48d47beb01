"""The ``typed-cloudmap`` console script: a one-line install hint when the ``cli`` extra is absent.

This module imports only the standard library before it checks for typer and rich, so a core
install (pydantic, orjson, zstandard) gets one line naming the extra instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys

_CLI_PACKAGES = ("typer", "rich")


def main() -> None:
    """Run the command line, or print how to install it and exit 1."""
    for package in _CLI_PACKAGES:
        try:
            importlib.import_module(package)
        except ModuleNotFoundError:  # it, or one of its own dependencies
            sys.stderr.write(
                f"typed-cloudmap: {package} is not installed; install the command line with:"
                " pip install 'typed-cloudmap[cli]'\n"
            )
            raise SystemExit(1) from None
    from ._app import app

    app(prog_name="typed-cloudmap")
