"""The long operations behind ``validate``, ``migrate`` and ``info``, with progress.

Each returns a report (plain data) and prints nothing itself, so the commands decide how to
show it (a table, lines, ``--json``) and which exit code it means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ._cli_output import progress
from ._cli_policy import integrity_stages
from ._cli_store import Entry, Reader, Store
from ._metadata import stored_codec, stored_schema
from .errors import BulkError, KeySyncError

__all__ = [
    "InfoReport",
    "MigrateReport",
    "ValidateReport",
    "info",
    "list_keys",
    "migrate",
    "validate",
]

DEFAULT_CHUNK = 500


def list_keys(store: Store, key_prefix: str = "", *, quiet: bool) -> tuple[list[Entry], int]:
    """One paginated listing, with a spinner while it runs."""
    with progress("listing", quiet=quiet):
        return store.listing(key_prefix)


def _chunks(items: list[Entry], size: int) -> list[list[Entry]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class ValidateReport:
    """How many values were checked and why each invalid one failed."""

    checked: int = 0
    invalid: dict[str, BaseException] = field(default_factory=dict)
    foreign: int = 0

    @property
    def valid(self) -> int:
        return self.checked - len(self.invalid)


def validate(
    store: Store,
    value_type: Any,
    *,
    upgrade: Any = None,
    key_prefix: str = "",
    chunk: int = DEFAULT_CHUNK,
    quiet: bool,
) -> ValidateReport:
    """Decode every value (as ``value_type``) and collect each failure by key."""
    entries, foreign = list_keys(store, key_prefix, quiet=quiet)
    report = ValidateReport(foreign=foreign)
    reader = Reader(store, value_type, upgrade=upgrade, fallback=_fallback(value_type))
    with progress("validating", len(entries), quiet=quiet) as bar:
        for part in _chunks(entries, chunk):
            result = reader.read([e.key for e in part])
            report.checked += len(result.values) + len(result.errors)
            report.invalid.update(result.errors)
            bar.advance(len(part))
    return report


@dataclass
class MigrateReport:
    """What a migration did: keys copied, skipped (already at the destination), failed."""

    total: int = 0
    copied: int = 0
    skipped: int = 0
    failed: dict[str, BaseException] = field(default_factory=dict)
    foreign: int = 0


def migrate(
    src: Store,
    dst: Store,
    value_type: Any,
    *,
    upgrade: Any = None,
    key_prefix: str = "",
    chunk: int = DEFAULT_CHUNK,
    quiet: bool,
) -> MigrateReport:
    """Copy every key of ``src`` missing at ``dst``, re-encoded with ``dst``'s codec.

    Writes are create-only (``set_many`` on a mapping synced from one listing of ``dst``), so
    a key already at the destination is skipped and a rerun resumes where the last run
    stopped; a key that appears at ``dst`` meanwhile is skipped too, never overwritten.
    When ``src`` has no stack of its own and ``dst``'s has integrity stages (``hmac``), no
    source object is copied unverified: each fails until ``src`` is given a stack.
    """
    required = integrity_stages(dst.codec) if src.codec is None else frozenset()
    entries, foreign = list_keys(src, key_prefix, quiet=quiet)
    report = MigrateReport(total=len(entries), foreign=foreign)
    with progress("listing destination", quiet=quiet):
        target = dst.mapping(value_type, dst.codec, read_blindly=False, sync_initially=True)
    with target:
        todo = [e for e in entries if e.key not in target]
        report.skipped = len(entries) - len(todo)
        reader = Reader(
            src, value_type, upgrade=upgrade, fallback=_fallback(value_type), require=required
        )
        with progress("migrating", len(entries), quiet=quiet) as bar:
            bar.advance(report.skipped)
            for part in _chunks(todo, chunk):
                result = reader.read([e.key for e in part])
                report.failed.update(result.errors)
                try:
                    target.set_many(result.values)
                    report.copied += len(result.values)
                except BulkError as exc:
                    report.copied += len(exc.succeeded)
                    for key, error in exc.errors.items():
                        if isinstance(error, KeySyncError) and error.expected_etag is None:
                            report.skipped += 1  # created at dst meanwhile: left alone
                        else:
                            report.failed[key] = error
                bar.advance(len(part))
    return report


def _fallback(value_type: Any) -> str:
    """The stack for objects with no ``tcm_codec``: raw bytes untyped, else JSON."""
    return "raw" if value_type is Any else "orjson"


@dataclass
class InfoReport:
    """Counts, bytes, and the codec stacks and schema fingerprints found."""

    keys: int = 0
    foreign: int = 0
    total_bytes: int = 0
    largest: int = 0
    codecs: Counter[str] = field(default_factory=Counter)
    schemas: Counter[str] = field(default_factory=Counter)
    inspected: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "keys": self.keys,
            "other_objects": self.foreign,
            "total_bytes": self.total_bytes,
            "largest_bytes": self.largest,
            "inspected": self.inspected,
            "codecs": dict(self.codecs.most_common()),
            "schemas": dict(self.schemas.most_common()),
        }


def info(store: Store, *, sample: int | None, key_prefix: str = "", quiet: bool) -> InfoReport:
    """One listing for counts and bytes; HEADs (of ``sample`` keys, or all) for codecs."""
    entries, foreign = list_keys(store, key_prefix, quiet=quiet)
    sizes = [e.size or 0 for e in entries]
    report = InfoReport(
        keys=len(entries), foreign=foreign, total_bytes=sum(sizes), largest=max(sizes, default=0)
    )
    chosen = entries if sample is None else entries[:sample]
    with progress("reading metadata", len(chosen), quiet=quiet) as bar:
        for entry, head in store.heads(chosen, bar.advance):
            if head is None:
                continue
            codec = stored_codec(head.metadata, entry.key)
            schema = stored_schema(head.metadata, entry.key)
            report.inspected += 1
            report.codecs[codec or "(none)"] += 1
            report.schemas[schema or "(none)"] += 1
    return report
