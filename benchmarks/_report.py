"""Collects every benchmark figure, checks the targets, prints rich tables and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from ._timing import fmt_time

__all__ = ["Report", "Row"]

CONTROL = "raw boto3 again (A/A control)"


@dataclass(frozen=True)
class Row:
    """One system on one case; ``speed`` = baseline seconds / seconds (> 1 is faster);
    ``cpu_ratio`` = this process's CPU per call / the baseline's (< 1 spends less)."""

    case: str
    system: str
    seconds: float
    baseline: float
    requests: int | None
    operations: str = ""
    cpu: float | None = None
    baseline_cpu: float | None = None

    @property
    def speed(self) -> float:
        return self.baseline / self.seconds

    @property
    def cpu_ratio(self) -> float | None:
        if self.cpu is None or not self.baseline_cpu:
            return None
        return self.cpu / self.baseline_cpu


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bulk_notes: dict[str, str] = field(default_factory=dict)
    rss: list[dict[str, Any]] = field(default_factory=list)
    rss_megabytes: int = 0
    cached_ratio: float | None = None
    codec_rows: list[tuple[str, str, float, float]] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def _find(self, prefix: str, system: str) -> Row | None:
        for row in self.rows:
            if row.case.startswith(prefix) and row.system == system:
                return row
        return None

    def _ratio(self, prefix: str, system: str = "typed-cloudmap", versus: str = "") -> float | None:
        if not prefix:
            return None
        ours = self._find(prefix, system)
        if ours is None:
            return None
        if not versus:
            return ours.speed
        other = self._find(prefix, versus)
        return None if other is None else other.seconds / ours.seconds

    def _cpu(self, prefix: str, system: str = "typed-cloudmap") -> float | None:
        row = self._find(prefix, system)
        return None if row is None else row.cpu_ratio

    def _cloud_targets(self) -> list[tuple[str, str, float | None, bool | None, float | None]]:
        """Issue 11's client-CPU (<= 1.10x raw SDK) and Azure/GCS wall (>= 0.97x) targets."""
        out: list[tuple[str, str, float | None, bool | None, float | None]] = []
        clouds = [
            ("S3", "", "raw boto3 again (A/A control)"),
            ("Azure", "Azure (Azurite): ", "raw SDK again (A/A control)"),
            ("GCS", "GCS (fake-gcs-server): ", "raw SDK again (A/A control)"),
        ]
        for cloud, label, control in clouds:
            for case in ("put 1 KB", "get 1 KB", "bulk get"):
                got = self._cpu(label + case)
                out.append(
                    (
                        f"{cloud} {case}: client CPU vs raw SDK",
                        "<= 1.1x",
                        got,
                        None if got is None else got <= 1.10,
                        self._cpu(label + case, control),
                    )
                )
            if label:
                for case in ("put 1 KB", "get 1 KB"):
                    got = self._ratio(label + case)
                    out.append(
                        (
                            f"{cloud} {case}: speed vs raw SDK",
                            ">= 0.97x",
                            got,
                            None if got is None else got >= 0.97,
                            self._ratio(label + case, control),
                        )
                    )
        return out

    def targets(self) -> list[tuple[str, str, float | None, bool | None, float | None]]:
        """(target, threshold, measured, met, A/A control) for every target of the issues.

        The control is the second raw boto3 system's ratio on the same case: how far from
        1.00x two identical systems land on this machine.
        """
        peer = "cloud-mappings 2.1.0"
        out: list[tuple[str, str, float | None, float]] = [
            ("put 1 KB vs raw boto3 put", "put 1 KB", self._ratio("put 1 KB"), 1.0),
            ("get 1 KB vs raw boto3 get", "get 1 KB", self._ratio("get 1 KB"), 0.97),
            ("bulk put vs threaded boto3", "bulk put", self._ratio("bulk put"), 1.0),
            ("bulk get vs threaded boto3", "bulk get", self._ratio("bulk get"), 1.0),
            ("sync vs paginated list_objects_v2", "sync", self._ratio("sync"), 0.9),
            ("sync vs cloud-mappings 2.1.0", "", self._ratio("sync", versus=peer), 15.0),
            ("cached re-read vs uncached", "", self.cached_ratio, 5.0),
        ]
        result: list[tuple[str, str, float | None, bool | None, float | None]] = [
            (name, f">= {t:g}x", m, None if m is None else m >= t, self._ratio(case, CONTROL))
            for name, case, m, t in out
        ]
        result += self._cloud_targets()
        for case, system, secs, base in self.codec_rows:
            if system.startswith("typed-cloudmap"):
                slowdown = secs / base
                result.append(
                    (f"codec path: {case}", "<= 1.10x bare", slowdown, slowdown <= 1.10, None)
                )
        for run in self.rss:
            budget = 2 * self.rss_megabytes + 100
            peak = run["peak_kib"] / 1024
            result.append(
                (
                    f"{self.rss_megabytes} MB round trip peak RSS, {run['system']}",
                    f"<= {budget} MB",
                    peak,
                    peak <= budget,
                    None,
                )
            )
        return result

    # --- output ---------------------------------------------------------------------------

    def tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        """(title, header, rows) of every table, for the console and for Markdown."""
        speed = [
            [
                r.case,
                r.system,
                fmt_time(r.seconds),
                f"{r.speed:.2f}x",
                "" if r.cpu is None else fmt_time(r.cpu),
                "" if r.cpu_ratio is None else f"{r.cpu_ratio:.2f}x",
            ]
            for r in self.rows
        ]
        requests = [
            [r.case, r.system, str(r.requests), r.operations]
            for r in self.rows
            if r.requests is not None
        ]
        rss = [
            [
                str(run["system"]),
                f"{run['seconds']:.2f} s",
                f"{run['baseline_kib'] / 1024:.0f} MB",
                f"{run['before_kib'] / 1024:.0f} MB",
                f"{run['peak_kib'] / 1024:.0f} MB",
                f"{2 * self.rss_megabytes + 100} MB",
            ]
            for run in self.rss
        ]
        targets = [
            [
                name,
                want,
                "n/a" if got is None else f"{got:.2f}",
                {True: "met", False: "MISSED", None: "not run"}[met],
                "" if control is None else f"{control:.2f}",
            ]
            for name, want, got, met, control in self.targets()
        ]
        tables = [
            (
                "Cloud cases: median wall and client CPU per call; speed vs the raw SDK row "
                "(higher is faster); CPU vs the raw SDK row (lower spends less)",
                ["case", "system", "wall", "speed vs raw", "client CPU", "CPU vs raw"],
                speed,
            ),
            (
                "HTTP requests per call (counted with botocore before-send)",
                ["case", "system", "requests", "by operation"],
                requests,
            ),
            (
                f"{self.rss_megabytes} MB round trip (put + get), fresh process per system",
                ["system", "time", "RSS after imports", "+ value in memory", "peak RSS", "budget"],
                rss,
            ),
            ("Targets", ["target", "wanted", "measured", "verdict", "A/A control"], targets),
        ]
        return [t for t in tables if t[2]]  # a table with no rows was not run

    def print(self, console: Console) -> None:
        for title, header, rows in self.tables():
            table = Table(title=title)
            for col in header:
                table.add_column(col)
            for row in rows:
                table.add_row(*row)
            console.print(table)
        for system, text in self.bulk_notes.items():
            console.print(f"bulk for {system}: {text}")
        for text in self.notes:
            console.print(f"note: {text}")

    def markdown(self) -> str:
        parts = []
        for title, header, rows in self.tables():
            parts.append(f"**{title}**\n")
            parts.append("| " + " | ".join(header) + " |")
            parts.append("|" + "---|" * len(header))
            parts.extend(
                "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
            )
            parts.append("")
        parts.extend(f"- bulk for {system}: {text}" for system, text in self.bulk_notes.items())
        parts.extend(f"- note: {text}" for text in self.notes)
        return "\n".join(parts) + "\n"
