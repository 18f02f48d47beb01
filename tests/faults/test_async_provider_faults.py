"""The async providers through the fault proxy (20 % of requests: 503, 500, dropped before or
after forwarding, delayed): every failure reaches the caller as a library error, and every
write reported stored reads back; on both transports for moto and Azurite (SDK and obstore).

This is the provider half of issue 12's fault figures: a provider cannot reconcile a lost
reply (that is the mapping's job), so a conditional write whose reply was lost may answer
``KeySyncError`` or ``ProviderError``; what must never happen is an SDK or aiohttp exception
leaking out, or a write reported stored that is not.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest

from faults._faulty import ATTEMPTS, RATE_BACKENDS, fast_sdk_retries, transport_of, upstream_of
from faults._proxy import running_proxy
from typed_cloudmap.errors import KeySyncError, ProviderError
from typed_cloudmap.providers import AsyncProvider, IfMatch

RATE = 0.2
KEYS = 60


def _async_provider(
    backend: str, request: pytest.FixtureRequest, url: str, bucket: str, create: bool
) -> AsyncProvider:
    """The async provider of ``backend`` (``-obstore``: on that transport) at ``url``."""
    backend, fast = transport_of(backend)
    if backend == "s3-moto":
        from botocore.config import Config

        from typed_cloudmap.providers.async_s3 import AsyncS3Provider

        s3 = request.getfixturevalue("s3_moto_server")
        config = Config(
            retries={"mode": "standard", "max_attempts": ATTEMPTS},
            connect_timeout=5,
            read_timeout=10,
        )
        return AsyncS3Provider(
            bucket,
            endpoint_url=url,
            region_name=s3.region,
            client_kwargs={**s3.client_kwargs(), "config": config},
            create=create,
            **fast,
        )
    if backend == "azure-azurite":
        from azure.storage.blob.aio import LinearRetry

        from typed_cloudmap.providers.async_azure import AsyncAzureBlobProvider

        azurite = request.getfixturevalue("azurite")
        account = azurite.endpoint.rsplit("/", 1)[1]
        connection = azurite.connection_string.replace(
            f"BlobEndpoint={azurite.endpoint};", f"BlobEndpoint={url}/{account};"
        )
        retry = LinearRetry(
            backoff=0.02,  # type: ignore[arg-type]  # the SDK annotates seconds as int
            random_jitter_range=0.01,  # type: ignore[arg-type]  # same as above
            retry_total=ATTEMPTS,
            retry_connect=ATTEMPTS,
            retry_read=ATTEMPTS,
            retry_status=ATTEMPTS,
        )
        return AsyncAzureBlobProvider(
            bucket,
            connection_string=connection,
            client_kwargs={"retry_policy": retry, "read_timeout": 10},
            create=create,
            **fast,
        )
    from typed_cloudmap.providers.async_gcs import AsyncGCSProvider

    gcs = request.getfixturevalue("fake_gcs")
    return AsyncGCSProvider(bucket, project=gcs.project, endpoint_url=url, create=create)


@pytest.mark.parametrize("backend", RATE_BACKENDS)
def test_async_provider_under_faults(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    upstream = upstream_of(backend, request)
    bucket = f"tcm-afault-{uuid.uuid4().hex[:12]}"
    # the check reads through the SDK: a path independent of the transport under test
    direct = _async_provider(transport_of(backend)[0], request, upstream, bucket, create=True)
    outcomes: Counter[str] = Counter()
    leaked: list[BaseException] = []
    unsure: dict[str, bytes] = {}

    async def attempt(op: Any) -> Any:
        try:
            result = await op
        except KeySyncError:
            outcomes["conflict"] += 1
        except ProviderError:
            outcomes["unknown"] += 1
        except BaseException as exc:  # anything else is a translation bug
            leaked.append(exc)
        else:
            outcomes["ok"] += 1
            return result
        return None

    async def main(proxy_url: str) -> tuple[dict[str, tuple[bytes, str]], Any]:
        await direct.put("warm", b"x")  # creates the bucket, off the faulty link
        faulty = _async_provider(backend, request, proxy_url, bucket, create=False)
        written: dict[str, tuple[bytes, str]] = {}
        limit = asyncio.Semaphore(8)

        async def create(i: int) -> None:
            name, value = f"k{i:03d}", f"v{i}-{uuid.uuid4().hex}".encode()
            async with limit:
                etag = await attempt(faulty.put(name, value, mode="create"))
                if etag is not None:
                    written[name] = (value, etag)
                    newer = value + b"-2"
                    etag2 = await attempt(faulty.put(name, newer, mode=IfMatch(etag)))
                    if etag2 is not None:
                        written[name] = (newer, etag2)
                    else:  # a lost reply: the update may have been applied all the same
                        unsure[name] = newer

        await asyncio.gather(*(create(i) for i in range(KEYS)))
        reads = await asyncio.gather(*(attempt(faulty.get(n)) for n in written))
        listed = {o.name: o.etag async for o in direct.list("k")}
        await faulty.close()
        stored = {n: await direct.get(n) for n in written}
        await direct.close()
        return written, (reads, listed, stored)

    with fast_sdk_retries(monkeypatch), running_proxy(upstream, rate=RATE, seed=3) as proxy:
        written, (reads, listed, stored) = asyncio.run(main(proxy.url))
        faults = sum(v for k, v in proxy.stats.items() if k != "requests")
    allowed = {n: {value, unsure.get(n)} for n, (value, _) in written.items()}
    lost = [n for n, o in stored.items() if o is None or o.data not in allowed[n]]
    wrong_etag = [
        n for n, (_, etag) in written.items() if n not in unsure and listed.get(n) != etag
    ]
    misread = [
        n for n, r in zip(written, reads, strict=True) if r is not None and r.data not in allowed[n]
    ]
    figures = {
        "faults": faults,
        **outcomes,
        "lost_replies": len(unsure),
        "lost": len(lost),
        "leaked": len(leaked),
    }
    with capsys.disabled():
        print(f"\n[async faults] {backend}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    assert not leaked, leaked[:3]
    assert lost == []
    assert wrong_etag == []
    assert misread == []
    assert faults > 0
    assert outcomes["ok"] > KEYS
