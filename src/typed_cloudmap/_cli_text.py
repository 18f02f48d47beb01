"""Plain-text reports of the command line: ``info``'s summary and per-key failure lines."""

from __future__ import annotations

import sys

from ._cli_bulk import InfoReport
from ._cli_output import escape_controls, human_size
from .errors import CodecError

__all__ = ["info_text", "too_deep", "write_failures"]


def info_text(shown_url: str, report: InfoReport) -> str:
    """``info``'s summary; stacks and fingerprints come from storage, so they are escaped."""
    lines = [
        f"store          {shown_url}",
        f"keys           {report.keys}",
        f"other objects  {report.foreign} (names that are not mapping keys)",
        f"total size     {human_size(report.total_bytes)} ({report.total_bytes} bytes)",
        f"largest        {human_size(report.largest)}",
        f"inspected      {report.inspected} object(s) for metadata",
    ]
    for label, counts in (("codec ", report.codecs), ("schema", report.schemas)):
        lines += [
            f"{label}         {n:>8}  {escape_controls(name)}" for name, n in counts.most_common()
        ]
    return "\n".join(lines) + "\n"


def write_failures(failures: dict[str, str]) -> None:
    """One ``key<TAB>reason`` line per failed key on stdout (reasons are already escaped)."""
    for key, reason in failures.items():
        sys.stdout.write(f"{escape_controls(key)}\t{reason}\n")


def too_deep(key: str) -> CodecError:
    """A value nested too deeply to decode or print (a ``RecursionError``): exit 5."""
    return CodecError("the value is nested too deeply to show; use --raw", key=key)
