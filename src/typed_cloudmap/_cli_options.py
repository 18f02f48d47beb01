"""The command line's shared options and global settings, declared once.

Commands annotate their parameters with these aliases so ``--codec``, ``--type``, ``--json``
and friends mean the same thing (and have the same help) everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import typer
from pydantic import PydanticUserError, TypeAdapter

from . import __version__
from ._cli_errors import CliUsageError
from ._cli_store import import_object

__all__ = [
    "AllowPickle",
    "AsJson",
    "Codec",
    "KeyEncoding",
    "Prefix",
    "Settings",
    "ShowVersion",
    "TypeSpec",
    "Upgrade",
    "Url",
    "Workers",
    "settings",
    "upgrade_hook",
    "value_type",
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"typed-cloudmap {__version__}")
        raise typer.Exit()


ShowVersion = Annotated[
    bool,
    typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version."),
]


@dataclass(frozen=True)
class Settings:
    """The global options (``--debug``, ``--quiet``), kept on the root click context."""

    debug: bool = False
    quiet: bool = False


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


Url = Annotated[
    str,
    typer.Argument(
        metavar="URL",
        help="Store URL, e.g. file://./data, memory://NAME, s3://bucket/prefix?endpoint_url=...",
        show_default=False,
    ),
]
Codec = Annotated[
    str | None,
    typer.Option(
        "--codec",
        help="Codec stack such as 'orjson|zstd' (default: inferred from tcm_codec; never pickle).",
    ),
]
TypeSpec = Annotated[
    str | None,
    typer.Option(
        "--type",
        metavar="MODULE:NAME",
        help="Value type to validate against (default: untyped).",
    ),
]
Upgrade = Annotated[
    str | None,
    typer.Option(
        "--upgrade",
        metavar="MODULE:FUNCTION",
        help="Schema upgrade hook fn(raw, stored_fingerprint) for values of an older schema.",
    ),
]
KeyEncoding = Annotated[
    str,
    typer.Option(
        "--key-encoding",
        help="How keys name objects: 'percent' (default) or 'quote' (cloud-mappings' names).",
    ),
]
AllowPickle = Annotated[
    bool,
    typer.Option(
        "--allow-pickle",
        help="Let a URL's ?codec= name pickle (unpickling runs code: trusted stores only).",
    ),
]
Prefix = Annotated[str, typer.Option("--prefix", help="Only keys starting with this.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
Workers = Annotated[int, typer.Option("--workers", min=1, max=256, help="Concurrent requests.")]


def value_type(spec: str | None) -> Any:
    """The ``--type`` class (``Any`` when untyped); one pydantic cannot validate is a usage
    error."""
    if spec is None:
        return Any
    tp = import_object(spec, "--type")
    try:
        TypeAdapter(tp)
    except (PydanticUserError, TypeError, ValueError) as exc:
        raise CliUsageError(f"--type {spec!r}: not a type values can be validated as") from exc
    return tp


def upgrade_hook(spec: str | None) -> Any:
    """The ``--upgrade`` function (or dict of functions), if given."""
    if spec is None:
        return None
    fn = import_object(spec, "--upgrade")
    if not callable(fn) and not isinstance(fn, dict):
        raise CliUsageError(f"--upgrade {spec!r}: not a function or a dict of functions")
    return fn
