"""The ``typed-cloudmap`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="typed-cloudmap",
    help="Inspect and manage typed-cloudmap stores on any URL (file://, memory://, s3://, ...).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """typed-cloudmap: a typed dict over object storage."""


@app.command()
def demo(
    root: Annotated[
        Path | None, typer.Option(help="Directory to use (default: a new temporary one).")
    ] = None,
) -> None:
    """A short tour on a local directory: typed values, validation, conflicts, modify()."""
    from ._demo import run_demo

    run_demo(root)
