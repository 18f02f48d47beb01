"""Providers that talk to an emulator through a :class:`FaultProxy`, with fast SDK retries.

Each backend gives a pair on one fresh bucket/container: the *faulty* provider (through the
proxy) that the test drives, and a *direct* provider (straight to the emulator) that checks
what was really stored. SDK retries are made generous (so a 20 % fault rate rarely exhausts
them) and short (so the suite stays fast): this tunes the test's clients, not the library.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from faults._proxy import FaultProxy, running_proxy
from typed_cloudmap import Provider

__all__ = [
    "ATTEMPTS",
    "EXHAUST",
    "FAULT_BACKENDS",
    "RATE_BACKENDS",
    "Pair",
    "fast_sdk_retries",
    "is_delete",
    "is_write",
    "make_pair",
    "proxied",
    "transport_of",
]

FAULT_BACKENDS = ["s3-moto", "azure-azurite", "gcs-fake"]
RATE_BACKENDS = [*FAULT_BACKENDS, "s3-moto-obstore", "azure-azurite-obstore"]
"""The 20 %-fault tests (sync and async) also run each obstore transport (the scripted ones
count SDK attempts)."""
OBSTORE_RETRIES = {
    "max_retries": 10,  # ATTEMPTS
    "backoff": {
        "init_backoff": timedelta(milliseconds=10),
        "max_backoff": timedelta(milliseconds=100),
        "base": 2,
    },
    "retry_timeout": timedelta(seconds=60),
}
"""obstore's retry policy for the faulty providers: as many attempts, short pauses."""
OBSTORE_OPTIONS = {
    "retry_config": OBSTORE_RETRIES,
    "client_options": {"timeout": "10s", "connect_timeout": "5s"},
}
ATTEMPTS = 10
"""SDK attempts per request: 0.2**10 ~ 1e-7 chance that one request exhausts them."""
GCS_DEADLINE = 3.0
"""google-cloud-storage retries until a deadline, not a count: ~30+ attempts in 3 s here."""
EXHAUST = {"s3-moto": ATTEMPTS + 2, "azure-azurite": ATTEMPTS + 3, "gcs-fake": 1000}
"""Scripted faults that outlast every attempt the test's SDK settings allow."""


@dataclass
class Pair:
    """The provider under test (through the proxy) and a direct one on the same bucket."""

    faulty: Provider
    direct: Provider

    def close(self) -> None:
        self.faulty.close()
        self.direct.close()


def upstream_of(backend: str, request: pytest.FixtureRequest) -> str:
    """``http://127.0.0.1:PORT`` of the session's emulator for ``backend``."""
    backend = backend.removesuffix("-obstore")
    if backend == "s3-moto":
        url: str = request.getfixturevalue("s3_moto_server").url
        return url
    if backend == "azure-azurite":
        origin: str = request.getfixturevalue("azurite").origin
        return origin
    if backend == "gcs-fake":
        gcs_url: str = request.getfixturevalue("fake_gcs").endpoint_url
        return gcs_url
    raise ValueError(backend)


def transport_of(backend: str) -> tuple[str, dict[str, Any]]:
    """``("s3-moto", {...})`` for ``"s3-moto-obstore"``: the emulator's backend id and the
    provider keywords of its transport (obstore with :data:`OBSTORE_OPTIONS`, or none)."""
    if backend.endswith("-obstore"):
        return backend.removesuffix("-obstore"), {
            "transport": "obstore",
            "obstore_options": OBSTORE_OPTIONS,
        }
    return backend, {}


def make_pair(backend: str, request: pytest.FixtureRequest, proxy_url: str) -> Pair:
    """A fresh bucket, reached through ``proxy_url`` and directly."""
    bucket = f"tcm-fault-{uuid.uuid4().hex[:12]}"
    backend, fast = transport_of(backend)
    if backend == "s3-moto":
        from botocore.config import Config

        from typed_cloudmap.providers.s3 import S3Provider

        s3 = request.getfixturevalue("s3_moto_server")
        config = Config(
            retries={"mode": "standard", "max_attempts": ATTEMPTS},
            connect_timeout=5,
            read_timeout=10,
        )
        direct_s3 = s3.provider(bucket, create=True)
        faulty_s3 = S3Provider(
            bucket,
            endpoint_url=proxy_url,
            region_name=s3.region,
            client_kwargs={**s3.client_kwargs(), "config": config},
            **fast,
        )
        return Pair(faulty_s3, direct_s3)
    if backend == "azure-azurite":
        from azure.storage.blob import LinearRetry

        from typed_cloudmap.providers.azure import AzureBlobProvider

        azurite = request.getfixturevalue("azurite")
        direct_az = azurite.provider(bucket, create=True)
        connection = azurite.via(proxy_url).connection_string
        retry = LinearRetry(
            backoff=0.02,  # type: ignore[arg-type]  # the SDK annotates seconds as int
            random_jitter_range=0.01,  # type: ignore[arg-type]  # same as above
            retry_total=ATTEMPTS,
            retry_connect=ATTEMPTS,
            retry_read=ATTEMPTS,
            retry_status=ATTEMPTS,
        )
        faulty_az = AzureBlobProvider(
            bucket,
            connection_string=connection,
            client_kwargs={"retry_policy": retry, "read_timeout": 10},
            **fast,
        )
        return Pair(faulty_az, direct_az)
    if backend == "gcs-fake":
        from typed_cloudmap.providers.gcs import GCSProvider

        gcs = request.getfixturevalue("fake_gcs")
        direct_gcs = GCSProvider(
            bucket, project=gcs.project, endpoint_url=gcs.endpoint_url, create=True
        )
        faulty_gcs = GCSProvider(bucket, project=gcs.project, endpoint_url=proxy_url)
        return Pair(faulty_gcs, direct_gcs)
    raise ValueError(backend)


@contextmanager
def fast_sdk_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Shrink the SDK retry pauses that no provider option reaches, for this test only.

    botocore's standard mode sleeps ``rand() * 2**(attempt-1)`` seconds (up to 20 s) and
    ``Config`` has no backoff setting: scaled by 1/50 here. ``GCSProvider`` has no retry
    option: every call runs under google-cloud-storage's module-level ``DEFAULT_RETRY`` (1 s
    doubling to 60 s), whose pauses become milliseconds. Attempt counts are not touched.
    """
    from botocore.retries.standard import ExponentialBackoff
    from google.cloud.storage import retry as gcs_retry

    original = ExponentialBackoff.delay_amount

    def short_delay(self: ExponentialBackoff, context: Any) -> float:
        return float(original(self, context)) / 50

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", short_delay)
    policy: Any = gcs_retry.DEFAULT_RETRY
    monkeypatch.setattr(policy, "_initial", 0.01)
    monkeypatch.setattr(policy, "_maximum", 0.1)
    monkeypatch.setattr(policy, "_multiplier", 2.0)
    monkeypatch.setattr(policy, "_timeout", GCS_DEADLINE)
    yield


@contextmanager
def proxied(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    *,
    rate: float = 0.0,
    seed: int = 0,
) -> Iterator[tuple[FaultProxy, Pair]]:
    """A running proxy in front of ``backend``'s emulator and a provider pair through it."""
    upstream = upstream_of(backend, request)
    with fast_sdk_retries(monkeypatch), running_proxy(upstream, rate=rate, seed=seed) as proxy:
        pair = make_pair(backend, request, proxy.url)
        try:
            yield proxy, pair
        finally:
            pair.close()


def is_write(method: str, path: str) -> bool:
    """An object upload: PUT (S3, Azure) or POST (GCS JSON API uploads)."""
    return method in ("PUT", "POST")


def is_delete(method: str, path: str) -> bool:
    return method == "DELETE"
