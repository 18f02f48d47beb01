"""``AsyncCloudMapping`` through the fault proxy (20 % of requests: 503, 500, dropped before or
after forwarding, delayed) in front of moto, Azurite and fake-gcs-server: the figures the
sync mapping has (``test_fault_rate``): 0 lost writes, 0 false conflicts, a ``modify``
counter that ends exact; on both transports for moto and Azurite (SDK and obstore)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest

from faults._faulty import RATE_BACKENDS, fast_sdk_retries, transport_of, upstream_of
from faults._proxy import running_proxy
from faults.test_async_provider_faults import _async_provider
from typed_cloudmap import AsyncCloudMapping, KeySyncError, ProviderError

RATE = 0.2
KEYS = 120
REWRITES = 40
TASKS, INCREMENTS = 4, 15


@pytest.mark.parametrize("backend", RATE_BACKENDS)
def test_async_mapping_under_faults(
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    upstream = upstream_of(backend, request)
    bucket = f"tcm-amfault-{uuid.uuid4().hex[:12]}"
    # the check reads through the SDK: a path independent of the transport under test
    direct = _async_provider(transport_of(backend)[0], request, upstream, bucket, create=True)

    async def main(proxy_url: str) -> dict[str, Any]:
        await direct.put("warm", b"x")  # creates the bucket, off the faulty link
        faulty = _async_provider(backend, request, proxy_url, bucket, create=False)
        m = await AsyncCloudMapping[str, str](faulty, prefix="w/", codec="str").open()
        outcomes: dict[tuple[str, str], str] = {}
        attempted: dict[str, str] = {}
        limit = asyncio.Semaphore(8)

        async def write(key: str, value: str) -> None:
            attempted[key] = value
            async with limit:
                try:
                    await m.setitem(key, value)
                    outcome = "ok"
                except KeySyncError:
                    outcome = "conflict"
                except ProviderError:
                    outcome = "unknown"
            outcomes[(key, value)] = outcome

        keys = [f"k{i:03d}" for i in range(KEYS)]
        await asyncio.gather(*(write(k, f"{k}-v1-{uuid.uuid4().hex}") for k in keys))
        await asyncio.gather(*(write(k, f"{k}-v2-{uuid.uuid4().hex}") for k in keys[:REWRITES]))

        counter = [
            await AsyncCloudMapping[str, list[str]](faulty, prefix="c/").open()
            for _ in range(TASKS)
        ]
        done: list[str] = []
        failed: list[str] = []

        async def bump(worker: int) -> None:
            for i in range(INCREMENTS):
                op = f"{worker}.{i}"
                try:
                    await counter[worker].modify("n", lambda ops, op=op: [*ops, op], default=[])
                except (KeySyncError, ProviderError):
                    failed.append(op)
                else:
                    done.append(op)

        await asyncio.gather(*(bump(w) for w in range(TASKS)))
        check = await AsyncCloudMapping[str, str](direct, prefix="w/", codec="str").open()
        stored = {k: v async for k, v in check.items()}
        ops = await (await AsyncCloudMapping[str, list[str]](direct, prefix="c/").open()).getitem(
            "n"
        )
        view_matches = dict(m.etags) == dict(check.etags)
        await faulty.close()
        await direct.close()
        applied = Counter(ops)
        counts = Counter(outcomes.values())
        return {
            "attempted": len(outcomes),
            "ok": counts["ok"],
            "unknown": counts["unknown"],
            "lost": sum(
                1
                for (k, v), o in outcomes.items()
                if o == "ok" and v == attempted[k] and stored.get(k) != v
            ),
            "false_conflicts": sum(
                1 for (k, v), o in outcomes.items() if o == "conflict" and stored.get(k) == v
            ),
            "stored_is_attempted": stored == attempted,
            "view_matches": view_matches,
            "increments": TASKS * INCREMENTS,
            "final": len(ops),
            "inc_lost": sum(1 for op in done if op not in applied),
            "duplicated": sum(n - 1 for n in applied.values() if n > 1),
            "failed_calls": len(failed),
            "stored_though_failed": sum(1 for op in failed if op in applied),
        }

    with fast_sdk_retries(monkeypatch), running_proxy(upstream, rate=RATE, seed=5) as proxy:
        figures = asyncio.run(main(proxy.url))
        figures["requests"] = proxy.stats["requests"]
        figures["faults"] = sum(v for k, v in proxy.stats.items() if k != "requests")
    with capsys.disabled():
        print(
            f"\n[async mapping faults] {backend}: "
            + ", ".join(f"{k}={v}" for k, v in figures.items())
        )
    assert figures["faults"] > 0.1 * figures["requests"]
    assert figures["lost"] == 0
    assert figures["false_conflicts"] == 0
    assert figures["ok"] == KEYS + REWRITES, figures
    assert figures["stored_is_attempted"]
    assert figures["view_matches"]
    assert figures["inc_lost"] == 0
    assert figures["stored_though_failed"] == 0
    assert figures["duplicated"] == 0
    assert figures["final"] == figures["increments"]
