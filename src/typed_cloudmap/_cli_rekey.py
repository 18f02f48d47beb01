"""``typed-cloudmap rekey URL``: rewrite every object whose data key is not under the primary KEK.

Each object is read, checked (the whole stack is decoded, so nothing unreadable is rewritten),
encrypted afresh under the primary KEK with the same key binding, and written back
``If-Match`` the version read. A writer that replaces the object in between wins: the object
is read again (up to three times) and rewrapped only if its new version still needs it.
Objects already under the primary are skipped, so a rerun resumes where a run stopped.
No value type is needed: serialized bytes are never deserialized.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated

import typer

from ._cli_errors import CliUsageError, ExitCode, Redactor, reporting
from ._cli_options import AsJson, KeyEncoding, Prefix, Url, Workers, settings
from ._cli_output import escape_controls, failure_reason, print_json, progress, stderr_console
from ._cli_store import Entry, Store, open_store
from ._metadata import (
    META_CODEC,
    META_PRIOR,
    META_TOKEN,
    Outcome,
    chain_of,
    judge,
    new_token,
    stored_codec,
)
from .codecs import AesGcmTransform, CodecStack, kek_id_of
from .codecs._spec import split_stack
from .errors import CodecError, KeySyncError, ProviderError
from .providers import IfMatch, Provider

__all__ = ["RekeyReport", "rekey", "rekey_store"]

_ATTEMPTS = 3


@dataclass
class RekeyReport:
    """What a run did: objects rewrapped, already current, vanished, and failures by key."""

    total: int = 0
    rekeyed: int = 0
    current: int = 0
    gone: int = 0
    failed: dict[str, BaseException] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return {
            "total": self.total,
            "rekeyed": self.rekeyed,
            "current": self.current,
            "gone": self.gone,
            "failed": len(self.failed),
        }


def _aesgcm_of(stack: CodecStack) -> AesGcmTransform:
    if not stack.transforms or not isinstance(stack.transforms[-1], AesGcmTransform):
        raise CliUsageError(
            f"--codec {stack.name!r}: rekey needs a stack ending in aesgcm "
            "(e.g. 'orjson|zstd|aesgcm:env=VAR'), with the new primary KEK first"
        )
    return stack.transforms[-1]


def _landed(provider: Provider, name: str, token: str) -> bool:
    """Whether write ``token`` landed (it is the stored version, or one built on it)."""
    try:
        info = provider.head(name)
    except KeyError:
        return False
    try:
        return judge(info.metadata, token) is not Outcome.ABSENT
    except CodecError:  # malformed metadata is another writer's, not a sign of ours
        return False


def _rekey_one(store: Store, stack: CodecStack, entry: Entry, primary: str) -> str:
    """``"rekeyed"``, ``"current"`` or ``"gone"``; raises for a failure."""
    provider = store.provider
    for _ in range(_ATTEMPTS):
        try:
            obj = provider.get(entry.name)
        except KeyError:
            obj = None
        if obj is None:
            return "gone"
        stored = stored_codec(obj.metadata, entry.key)
        if stored is None or not stack.can_decode(stored):
            raise CodecError(f"stored with codec {stored!r}, which {stack.name!r} cannot read")
        if kek_id_of(obj.data) == primary:
            return "current"
        data = stack.encode_bytes(stack.decode_bytes(obj.data, key=entry.key), key=entry.key)
        token = new_token()
        metadata = dict(obj.metadata)
        metadata[META_CODEC] = "|".join(
            [split_stack(stored)[0], *(t.name for t in stack.transforms)]
        )
        metadata[META_TOKEN] = token
        prior = chain_of(obj.metadata, entry.key)
        if prior:
            metadata[META_PRIOR] = prior
        try:
            provider.put(
                entry.name,
                data,
                mode=IfMatch(obj.etag),
                metadata=metadata,
                content_type=stack.media_type,
                content_encoding=stack.content_encoding,
            )
        except KeySyncError:
            if not _landed(provider, entry.name, token):
                continue  # another writer won: read its version and look again
        except ProviderError:
            if not _landed(provider, entry.name, token):  # a lost reply may have landed
                raise
        return "rekeyed"
    raise KeySyncError(
        entry.key, None, f"key {entry.key!r}: the object kept changing during rekey; rerun"
    )


def rekey_store(
    store: Store, stack: CodecStack, *, key_prefix: str = "", quiet: bool = True
) -> RekeyReport:
    """Rewrap every object of ``store`` under ``stack``'s primary KEK (see the module doc)."""
    primary = _aesgcm_of(stack).primary_id  # a missing key fails here, before any write
    entries, _ = store.listing(key_prefix)
    report = RekeyReport(total=len(entries))

    def one(entry: Entry) -> tuple[Entry, str | BaseException]:
        try:
            return entry, _rekey_one(store, stack, entry, primary)
        except Exception as exc:  # reported per key; the run goes on
            return entry, exc

    with (
        progress("rekey", len(entries), quiet=quiet) as ticker,
        ThreadPoolExecutor(store.workers, thread_name_prefix="tcm-rekey") as pool,
    ):
        for entry, outcome in pool.map(one, entries):
            ticker.advance(1)
            if isinstance(outcome, BaseException):
                report.failed[entry.key] = outcome
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def rekey(
    ctx: typer.Context,
    url: Url,
    codec: Annotated[
        str | None,
        typer.Option("--codec", help="The stack, ending in aesgcm (default: URL's ?codec=)."),
    ] = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
    workers: Workers = 16,
    key_encoding: KeyEncoding = "percent",
) -> None:
    """Rewrap every aesgcm object under the primary KEK; each write If-Match; reruns resume.

    Exit code 0 when every object is under the primary KEK, 1 when some failed.
    """
    opts = settings(ctx)
    with reporting(Redactor([url]), debug=opts.debug):
        store = open_store(url, codec, workers=workers, key_encoding=key_encoding)
        if store.codec is None:
            raise CliUsageError("rekey needs --codec (or the URL's ?codec=) naming the KEKs")
        report = rekey_store(store, store.codec, key_prefix=prefix, quiet=opts.quiet)
        failures = {k: failure_reason(k, e) for k, e in sorted(report.failed.items())}
        if as_json:
            print_json({**report.summary(), "failures": failures})
        else:
            for key, reason in failures.items():
                sys.stdout.write(f"{escape_controls(key)}\t{reason}\n")
        if not opts.quiet:
            text = ", ".join(f"{n} {what}" for what, n in report.summary().items())
            stderr_console().print(text, markup=False)
    if report.failed:
        raise typer.Exit(int(ExitCode.FAILURES))
