"""``aesgcm`` beside ``zstd`` and ``hmac``: throughput on 1 MB values, added time per 1 KB value.

Each transform runs alone over serialized bytes (``CodecStack.encode_bytes``/``decode_bytes``
with the key bound), so the figures are the transform's own cost. The KMS section counts
AWS KMS requests per write and per read, cold and cached, with ``AwsKmsKeyWrapper`` on
a moto_server started for it (or the KMS at ``--kms-endpoint``).
Run: ``python benchmarks/bench_encryption.py``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from _timing import fmt_time, race
from rich.console import Console
from rich.table import Table

from typed_cloudmap.codecs import (
    AesGcmTransform,
    AwsKmsKeyWrapper,
    CodecStack,
    HmacTransform,
    Keyring,
)

_KEYRING = Keyring({"bench": os.urandom(32)}, primary="bench")


def _stacks() -> dict[str, CodecStack]:
    return {
        "zstd": CodecStack("raw|zstd"),
        "hmac": CodecStack(["raw", HmacTransform(key=os.urandom(32))]),
        "aesgcm": CodecStack(["raw", AesGcmTransform(keyring=_KEYRING)]),
    }


def _payload(size: int) -> bytes:
    """Half random, half repetitive: compressible enough that zstd does real work."""
    return (os.urandom(size // 2) + b"typed-cloudmap " * (size // 30))[:size]


def throughput(console: Console) -> dict[str, Any]:
    """Rows of MB/s on 1 MB and microseconds added per 1 KB value, encode and decode."""
    big, small = _payload(1 << 20), _payload(1024)
    table = Table(title="Transforms: 1 MB throughput and time added per 1 KB value")
    for col in ("transform", "encode 1 MB", "decode 1 MB", "encode 1 KB", "decode 1 KB"):
        table.add_column(col)
    results: dict[str, Any] = {}
    stacks = _stacks()
    for label, data in (("1MB", big), ("1KB", small)):
        sealed = {n: s.encode_bytes(data, key="bench/key") for n, s in stacks.items()}
        enc = race(
            {n: (lambda s=s, d=data: s.encode_bytes(d, key="bench/key")) for n, s in stacks.items()}
        )
        dec = race(
            {
                n: (lambda s=s, b=sealed[n]: s.decode_bytes(b, key="bench/key"))
                for n, s in stacks.items()
            }
        )
        results[label] = {"encode": enc, "decode": dec}
    for name in stacks:
        mb_enc = (1 << 20) / results["1MB"]["encode"][name] / 1e6
        mb_dec = (1 << 20) / results["1MB"]["decode"][name] / 1e6
        table.add_row(
            name,
            f"{mb_enc:,.0f} MB/s",
            f"{mb_dec:,.0f} MB/s",
            fmt_time(results["1KB"]["encode"][name]),
            fmt_time(results["1KB"]["decode"][name]),
        )
    console.print(table)
    return results


def kms_calls(endpoint: str, console: Console) -> dict[str, int]:
    """KMS requests per write, per first read in a new process, and per cached reread."""
    import boto3

    key_id = boto3.client("kms", endpoint_url=endpoint).create_key()["KeyMetadata"]["KeyId"]
    writer = AwsKmsKeyWrapper(key_id, endpoint_url=endpoint)
    stack = CodecStack(["raw", AesGcmTransform(keyring=writer)])
    sealed = [stack.encode_bytes(b"v" * 1024, key=f"k{i}") for i in range(100)]
    counts = {"per write": writer.calls // 100}
    reader = AwsKmsKeyWrapper(key_id, endpoint_url=endpoint)
    rstack = CodecStack(["raw", AesGcmTransform(keyring=reader)])
    for i, blob in enumerate(sealed):
        rstack.decode_bytes(blob, key=f"k{i}")
    counts["per cold read"] = reader.calls // 100
    before = reader.calls
    for i, blob in enumerate(sealed):
        rstack.decode_bytes(blob, key=f"k{i}")
    counts["per cached read"] = (reader.calls - before) // 100
    table = Table(title="AwsKmsKeyWrapper: KMS requests (100 objects)")
    table.add_column("operation")
    table.add_column("KMS calls")
    for what, n in counts.items():
        table.add_row(what, str(n))
    console.print(table)
    return counts


def _kms_on_moto(console: Console) -> dict[str, int]:
    from _emulators import emulator

    with emulator("moto") as endpoint:
        dummies = {
            "AWS_ACCESS_KEY_ID": endpoint.access_key,
            "AWS_SECRET_ACCESS_KEY": endpoint.secret_key,
            "AWS_DEFAULT_REGION": endpoint.region,
        }
        saved = {k: os.environ.get(k) for k in dummies}  # restored: callers check AWS_*
        os.environ.update(dummies)
        try:
            return kms_calls(endpoint.url, console)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def main(argv: list[str] | None = None, console: Console | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kms-endpoint", help="a KMS URL for the KMS table (default: moto)")
    parser.add_argument("--skip-kms", action="store_true", help="no KMS table")
    args = parser.parse_args(argv)
    console = console or Console(width=140)
    results = throughput(console)
    if args.kms_endpoint:
        results["kms"] = kms_calls(args.kms_endpoint, console)
    elif not args.skip_kms:
        results["kms"] = _kms_on_moto(console)
    return results


if __name__ == "__main__":
    main()
