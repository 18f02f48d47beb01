"""``typed-cloudmap watch URL``: print one line per change until interrupted.

Each line is ``KIND<TAB>KEY<TAB>ETAG<TAB>VALUE`` (the value as compact JSON, or ``error: ...``
for a value that failed to decode or validate), or with ``--json`` one JSON object per line:
``{"kind", "key", "etag", "value", "error"}``. Control characters from storage are escaped.
Ctrl-C (or a closed stdout) ends it with exit code 0.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from ._cli_errors import Redactor, redact_url, reporting
from ._cli_options import AsJson, KeyEncoding, Prefix, TypeSpec, Url, settings, value_type
from ._cli_output import escape_controls, failure_reason, jsonable, stderr_console
from ._cli_store import open_store
from ._watch_diff import Change

__all__ = ["change_line", "watch"]

WatchCodec = Annotated[
    str | None,
    typer.Option(
        "--codec", help="Codec stack of the values (default: the URL's ?codec=, else orjson)."
    ),
]
Interval = Annotated[
    float,
    typer.Option("--interval", min=0.01, help="Seconds between polls (one LIST per 1,000 keys)."),
]


def change_line(change: Change[str, Any], *, as_json: bool) -> str:
    """One printed line for ``change`` (no newline); safe for a terminal."""
    error = None if change.error is None else failure_reason(change.key, change.error)
    ok, value = jsonable(change.value)
    if not ok:
        value = repr(change.value)
    if as_json:
        row = {
            "kind": change.kind,
            "key": change.key,
            "etag": change.etag,
            "value": value,
            "error": error,
        }
        return json.dumps(row, ensure_ascii=True)  # every non-ASCII character escaped
    shown = f"error: {error}" if error is not None else json.dumps(value, ensure_ascii=False)
    fields = (change.kind, change.key, change.etag, shown)
    return "\t".join(escape_controls(str(f)) for f in fields)


def watch(
    ctx: typer.Context,
    url: Url,
    type_: TypeSpec = None,
    as_json: AsJson = False,
    codec: WatchCodec = None,
    prefix: Prefix = "",
    interval: Interval = 5.0,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """Print each change other writers make (added, modified, deleted) until interrupted.

    Polls the store: one listing per interval (per 1,000 keys), and a GET only for keys whose
    etag changed. Values are validated with --type when given; one that fails is printed with
    its error, never skipped. Transient provider errors are retried and do not stop it.
    """
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(url, codec, key_encoding=key_encoding, read_only=True)
        mapping = store.mapping(value_type(type_), store.codec, read_blindly=False)
        mapping.sync()  # what exists now is the starting point, not a change
        if not opts.quiet:
            stderr_console().print(
                f"watching {redact_url(url)} ({len(mapping)} keys); Ctrl-C to stop", markup=False
            )
        stream = mapping.watch(interval=interval, prefix=prefix or None)
        try:
            for change in stream:
                sys.stdout.write(change_line(change, as_json=as_json) + "\n")
                sys.stdout.flush()
        except (KeyboardInterrupt, BrokenPipeError):
            pass
        finally:
            stream.close()
            mapping.close()
