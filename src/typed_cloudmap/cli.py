"""The ``typed-cloudmap`` command line: inspect, edit, validate and migrate stores on any URL.

Commands are thin: they open stores (``_cli_store``), run the long operations
(``_cli_bulk``), print (``_cli_output``) and turn failures into one-line errors and documented
exit codes (``_cli_errors``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import _cli_bulk as bulk
from ._cli_edit import edit as _edit
from ._cli_errors import (
    EXIT_CODES_HELP,
    CliUsageError,
    ExitCode,
    Redactor,
    redact_url,
    report_key_error,
    reporting,
)
from ._cli_options import (
    AllowPickle,
    AsJson,
    Codec,
    KeyEncoding,
    Prefix,
    Settings,
    ShowVersion,
    TypeSpec,
    Upgrade,
    Url,
    Workers,
    settings,
    upgrade_hook,
    value_type,
)
from ._cli_output import (
    failure_reason,
    print_json,
    print_rows,
    print_value,
    progress,
    stderr_console,
)
from ._cli_policy import inferred_stack
from ._cli_rekey import rekey
from ._cli_store import Reader, open_store, parse_value
from ._cli_text import info_text, too_deep, write_failures
from ._cli_watch import watch as _watch
from ._metadata import stored_codec
from .errors import BulkError, KeySyncError

app = typer.Typer(
    name="typed-cloudmap",
    help=(
        "Inspect and manage typed-cloudmap stores on any URL "
        "(file://DIR, memory://NAME, s3://bucket/prefix, az://container/prefix, "
        "gs://bucket/prefix).\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    version: ShowVersion = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or summaries on stderr.")
    ] = False,
) -> None:
    """typed-cloudmap: a typed dict over object storage."""
    ctx.obj = Settings(debug=debug, quiet=quiet)


def _note(ctx: typer.Context, text: str) -> None:
    """A summary line on stderr, unless ``--quiet``."""
    if not settings(ctx).quiet:
        stderr_console().print(text, markup=False)


@app.command(epilog=EXIT_CODES_HELP)
def ls(
    ctx: typer.Context,
    url: Url,
    prefix: Prefix = "",
    codecs: Annotated[
        bool,
        typer.Option("--codecs/--no-codecs", help="HEAD each object for its codec stack."),
    ] = True,
    as_json: AsJson = False,
    workers: Workers = 16,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """List keys with size, codec stack and etag (one listing; HEADs only for codecs)."""
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(
            url, None, workers=workers, key_encoding=key_encoding, read_only=True, allow_pickle=True
        )
        entries, _ = bulk.list_keys(store, prefix, quiet=opts.quiet)
        stacks: dict[str, str | None] = {}
        if codecs:
            with progress("reading metadata", len(entries), quiet=opts.quiet) as bar:
                for entry, head in store.heads(entries, bar.advance):
                    stacks[entry.key] = stored_codec(head.metadata, entry.key) if head else None
        rows = [
            {"key": e.key, "size": e.size, "codec": stacks.get(e.key), "etag": e.etag}
            for e in entries
        ]
        if not codecs:
            for row in rows:
                del row["codec"]
        print_rows(rows, as_json=as_json)


@app.command(epilog=EXIT_CODES_HELP)
def get(
    ctx: typer.Context,
    url: Url,
    key: Annotated[str, typer.Argument(help="The key to read.")],
    codec: Codec = None,
    type_: TypeSpec = None,
    upgrade: Upgrade = None,
    raw: Annotated[bool, typer.Option("--raw", help="Write the stored bytes as they are.")] = False,
    key_encoding: KeyEncoding = "percent",
    allow_pickle: AllowPickle = False,
) -> None:
    """Print one value, decoded and pretty-printed (JSON where it can be)."""
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(
            url, codec, key_encoding=key_encoding, read_only=True, allow_pickle=allow_pickle
        )
        name = store.name(key)
        try:
            if raw:
                obj = store.provider.get(name)
                assert obj is not None  # no if_none_match was sent
                sys.stdout.flush()
                sys.stdout.buffer.write(obj.data)
                return
            fallback = "raw" if type_ is None else "orjson"
            hook = upgrade_hook(upgrade)
            value = Reader(store, value_type(type_), upgrade=hook, fallback=fallback).get(key)
        except KeyError:
            store.check_exists()  # a missing bucket is a provider error, not a missing key
            raise KeyError(key) from None
        except RecursionError:
            raise too_deep(key) from None
        try:
            print_value(value)
        except RecursionError:
            raise too_deep(key) from None


@app.command(epilog=EXIT_CODES_HELP)
def put(
    ctx: typer.Context,
    url: Url,
    key: Annotated[str, typer.Argument(help="The key to write.")],
    value: Annotated[
        str, typer.Argument(metavar="VALUE|-", help="JSON value, or '-' to read stdin.")
    ],
    codec: Codec = None,
    type_: TypeSpec = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an existing value (still etag-conditional)."),
    ] = False,
    key_encoding: KeyEncoding = "percent",
    allow_pickle: AllowPickle = False,
) -> None:
    """Store one value: create-only unless --overwrite; prints the new etag.

    VALUE is JSON (validated with --type if given); with a 'raw' or 'str' codec it is taken
    as bytes or text. '-' reads it from stdin.
    """
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(url, codec, key_encoding=key_encoding, allow_pickle=allow_pickle)
        store.name(key)  # an impossible key is a usage error, before any I/O
        vtype = value_type(type_)
        stack: Any = store.codec
        if overwrite and stack is None:
            try:
                stored = store.stored_codec(key)
            except KeyError:
                stored = None
            stack = None if stored is None else inferred_stack(stored)  # never pickle from data
        mapping = store.mapping(vtype, stack)
        exists = overwrite and key in mapping  # HEAD: records the etag to write against
        data = sys.stdin.buffer.read() if value == "-" else value.encode()
        parsed = parse_value(data, mapping.codec.format)
        try:
            mapping[key] = parsed
        except KeySyncError as exc:
            hint = "changed while writing; retry" if exists else "already exists; use --overwrite"
            raise KeySyncError(key, exc.expected_etag, f"key {key!r} {hint}") from exc
        sys.stdout.write(mapping.etags[key] + "\n")


@app.command(epilog=EXIT_CODES_HELP)
def rm(
    ctx: typer.Context,
    url: Url,
    keys: Annotated[list[str], typer.Argument(help="The keys to delete.")],
    missing_ok: Annotated[
        bool, typer.Option("--missing-ok", help="A missing key is not an error.")
    ] = False,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """Delete keys, each conditional on the etag just read (a concurrent change wins)."""
    opts = settings(ctx)
    redact = Redactor([url])
    with reporting(redact, debug=opts.debug):
        store = open_store(url, None, key_encoding=key_encoding, read_only=True, allow_pickle=True)
        for key in keys:
            store.name(key)  # refuse impossible keys before deleting anything
        mapping = store.mapping(bytes, "raw")
        present = [k for k in dict.fromkeys(keys) if k in mapping]  # HEAD records each etag
        missing = [k for k in dict.fromkeys(keys) if k not in present]
        if missing:
            store.check_exists()  # a missing bucket is a provider error, not missing keys
        errors: dict[str, BaseException] = {} if missing_ok else {k: KeyError(k) for k in missing}
        try:
            mapping.delete_many(present)
        except BulkError as exc:
            errors.update(exc.errors)
        _note(ctx, f"deleted {len(present) - len(errors.keys() & set(present))} key(s)")
        if errors:
            codes = [report_key_error(key, error, redact) for key, error in errors.items()]
            raise typer.Exit(int(max(codes)))


@app.command(epilog=EXIT_CODES_HELP)
def info(
    ctx: typer.Context,
    url: Url,
    prefix: Prefix = "",
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=0, help="HEAD only this many objects for codec stacks."),
    ] = None,
    as_json: AsJson = False,
    workers: Workers = 16,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """Counts, bytes, and the codec stacks and schema fingerprints found."""
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(
            url, None, workers=workers, key_encoding=key_encoding, read_only=True, allow_pickle=True
        )
        report = bulk.info(store, sample=sample, key_prefix=prefix, quiet=opts.quiet)
        if as_json:
            print_json({"url": redact_url(url), **report.as_json()})
            return
        sys.stdout.write(info_text(redact_url(url), report))


@app.command(epilog=EXIT_CODES_HELP)
def validate(
    ctx: typer.Context,
    url: Url,
    type_: TypeSpec = None,
    codec: Codec = None,
    upgrade: Upgrade = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
    workers: Workers = 16,
    key_encoding: KeyEncoding = "percent",
    allow_pickle: AllowPickle = False,
) -> None:
    """Decode every value (as --type); print each failing key with the reason.

    Exit code 0 when every value is valid, 1 when some are not.
    """
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(
            url,
            codec,
            workers=workers,
            key_encoding=key_encoding,
            read_only=True,
            allow_pickle=allow_pickle,
        )
        report = bulk.validate(
            store,
            value_type(type_),
            upgrade=upgrade_hook(upgrade),
            key_prefix=prefix,
            quiet=opts.quiet,
        )
        failures = {k: failure_reason(k, e) for k, e in sorted(report.invalid.items())}
        if as_json:
            print_json({"checked": report.checked, "valid": report.valid, "invalid": failures})
        else:
            write_failures(failures)
        _note(ctx, f"checked {report.checked}: {report.valid} valid, {len(failures)} invalid")
    if report.invalid:
        raise typer.Exit(int(ExitCode.FAILURES))


@app.command(epilog=EXIT_CODES_HELP)
def migrate(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(metavar="SRC", help="Store URL to read from.")],
    dst: Annotated[str, typer.Argument(metavar="DST", help="Store URL to write to.")],
    codec: Annotated[
        str | None,
        typer.Option("--codec", help="Codec stack to write at DST (default: DST's ?codec=)."),
    ] = None,
    src_codec: Annotated[
        str | None,
        typer.Option(
            "--src-codec",
            help="Read SRC with this stack (default: a safe stack inferred from tcm_codec).",
        ),
    ] = None,
    type_: TypeSpec = None,
    upgrade: Upgrade = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
    workers: Workers = 16,
    chunk: Annotated[int, typer.Option("--chunk", min=1, help="Keys per bulk batch.")] = 500,
    src_key_encoding: Annotated[
        str,
        typer.Option("--src-key-encoding", help="Key encoding of SRC: 'percent' or 'quote'."),
    ] = "percent",
    allow_pickle: AllowPickle = False,
) -> None:
    """Copy every key of SRC to DST, re-encoded; create-only, so a rerun resumes.

    Keys already at DST are skipped. Exit code 1 if any key failed.
    """
    opts = settings(ctx)
    with reporting(Redactor([src, dst]), debug=opts.debug):
        if src == dst:
            raise CliUsageError("SRC and DST are the same store; migrate into a new prefix")
        source = open_store(
            src,
            src_codec,
            workers=workers,
            key_encoding=src_key_encoding,
            read_only=True,
            allow_pickle=allow_pickle,
        )
        target = open_store(dst, codec, workers=workers, allow_pickle=allow_pickle)
        report = bulk.migrate(
            source,
            target,
            value_type(type_),
            upgrade=upgrade_hook(upgrade),
            key_prefix=prefix,
            chunk=chunk,
            quiet=opts.quiet,
        )
        failures = {k: failure_reason(k, e) for k, e in sorted(report.failed.items())}
        summary = {
            "total": report.total,
            "copied": report.copied,
            "skipped": report.skipped,
            "failed": len(failures),
        }
        if as_json:
            print_json({**summary, "failures": failures})
        else:
            write_failures(failures)
        _note(ctx, ", ".join(f"{n} {what}" for what, n in summary.items()))
    if report.failed:
        raise typer.Exit(int(ExitCode.FAILURES))


app.command(epilog=EXIT_CODES_HELP)(rekey)


@app.command()
def demo(
    root: Annotated[
        Path | None, typer.Option(help="Directory to use (default: a new temporary one).")
    ] = None,
) -> None:
    """A short tour on a local directory: typed values, validation, conflicts, modify()."""
    from ._demo import run_demo

    run_demo(root)


app.command("watch", epilog=EXIT_CODES_HELP)(_watch)
app.command("edit", epilog=EXIT_CODES_HELP)(_edit)
if __name__ == "__main__":  # ``python -m typed_cloudmap.cli``
    app(prog_name="typed-cloudmap")
