"""Python bytecode executed per 1 KB put and get: raw SDK vs typed-cloudmap (Azure, GCS).

Process CPU time is the steady clock of ``python -m benchmarks``, but on a machine whose two
cores other jobs share, a ratio still moves by 5-15 % from run to run (the A/A rows show
it). The number of Python opcodes a call executes does not move: it is counted here with
``sys.settrace`` (``f_trace_opcodes``) over the same calls the cloud benchmark makes
(``_other_backends``), after a warm-up. It leaves out C work (hashing, JSON, the kernel's
side of a socket), so it is a guide to where client CPU goes, not a replacement for the CPU
rows. Run: ``python -m benchmarks.bench_opcodes [--calls 10]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from emulators import run

from ._other_backends import Ops, azure_systems, gcs_systems
from ._payloads import order

__all__ = ["main", "opcodes"]


def opcodes(fn: Callable[[], object], calls: int) -> float:
    """Python opcodes executed per call of ``fn`` (mean over ``calls`` calls)."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        for _ in range(calls):
            fn()
    finally:
        sys.settrace(None)
    return count / calls


def _rows(label: str, systems: dict[str, Ops], calls: int) -> list[str]:
    value = order(1)
    raw, lib = systems["raw SDK"], systems["typed-cloudmap"]
    lines = []
    for ops in (raw, lib):
        ops.put("one", value)
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("put 1 KB typed", lambda: raw.put("one", value), lambda: lib.put("one", value)),
        ("get 1 KB typed", lambda: raw.get("one"), lambda: lib.get("one")),
    ]
    for case, raw_call, lib_call in cases:
        for call in (raw_call, lib_call):
            for _ in range(3):
                call()  # warm-up: imports, connections, caches
        base, mine = opcodes(raw_call, calls), opcodes(lib_call, calls)
        lines.append(f"{label + ':':6s} {case:15s} raw SDK {base:8.0f}  typed-cloudmap {mine:8.0f}")
        lines[-1] += f"  ratio {mine / base:.2f}"
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_opcodes")
    parser.add_argument("--calls", type=int, default=10, help="traced calls per system")
    args = parser.parse_args(argv)
    makers: list[tuple[str, str, Callable[[Any], tuple[dict[str, Ops], list[str]]]]] = [
        ("Azure", "azurite", azure_systems),
        ("GCS", "fake-gcs", gcs_systems),
    ]
    for label, emulator, make in makers:
        with run(emulator) as emu:
            systems, _ = make(emu)
            try:
                for line in _rows(label, systems, args.calls):
                    print(line)
            finally:
                for ops in systems.values():
                    ops.close()


if __name__ == "__main__":
    main()
