"""An asyncio client of the GCS JSON API: one aiohttp session, bearer tokens, bounded retries.

Only what :class:`AsyncGCSProvider` needs: a request helper that signs (unless talking to an
emulator), retries what may be retried, and turns every HTTP failure into the same
``google.api_core`` exception the sync SDK raises, so that ``_gcs_errors.classify``
classifies them for the one table in ``_translate``.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import google.auth
from google.api_core import exceptions as api_exceptions
from google.auth.transport.requests import Request

from ..errors import ProviderError
from ._gcs_session import _EMULATOR_PROJECT, _PUBLIC, GCSSettings, _emulator_endpoint

__all__ = ["GCSHttp", "Reply"]

_SCOPES = ["https://www.googleapis.com/auth/devstorage.read_write"]
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished response: status, headers and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class GCSHttp:
    """One provider's session; ``request`` returns a 2xx/304 reply or raises api_core's error."""

    def __init__(self, settings: GCSSettings, provider: str) -> None:
        self._provider = provider
        endpoint = settings.endpoint_url or _emulator_endpoint()
        self.base = (endpoint or _PUBLIC).rstrip("/")
        self.project = settings.project
        self._credentials = settings.credentials
        if endpoint:
            self._credentials = None  # emulators take unsigned requests
            self.project = self.project or _EMULATOR_PROJECT
        elif self._credentials is None:
            self._credentials, default_project = google.auth.default(scopes=_SCOPES)
            self.project = self.project or default_project
        connector = aiohttp.TCPConnector(limit=settings.max_pool_connections)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=120, connect=20),
            auto_decompress=False,  # the bytes are the caller's, whatever Content-Encoding says
        )

    async def close(self) -> None:
        await self._session.close()

    async def _auth(self) -> dict[str, str]:
        credentials = self._credentials
        if credentials is None:
            return {}
        if not credentials.valid:
            # google-auth refreshes over blocking HTTP: off the loop, once per token lifetime.
            await asyncio.to_thread(credentials.refresh, Request())
        return {"authorization": f"Bearer {credentials.token}"}

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> Reply:
        """Send one request; ``retry`` (idempotent or conditional requests only) repeats it
        after 408/429/5xx answers and connection failures, with jittered backoff."""
        attempts = _ATTEMPTS if retry else 1
        for attempt in range(attempts):
            try:
                all_headers = {**(headers or {}), **await self._auth()}
                async with self._session.request(
                    method, url, params=params, data=data, headers=all_headers
                ) as response:
                    body = await response.read()
                    reply = Reply(response.status, response.headers, body)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                if attempt < attempts - 1:
                    await asyncio.sleep(random.uniform(0, 0.1 * 2**attempt))
                    continue
                text = f"{method} failed: {type(exc).__name__}: {exc}"
                raise ProviderError(self._provider, text) from exc
            if reply.status in _RETRY_STATUS and attempt < attempts - 1:
                await asyncio.sleep(random.uniform(0, 0.1 * 2**attempt))
                continue
            if reply.status < 300:
                return reply
            raise _api_error(reply)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _api_error(reply: Reply) -> api_exceptions.GoogleAPICallError:
    """The exception google-api-core raises for this answer (what the sync SDK would)."""
    message = reply.body[:300].decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(reply.body)
        message = str(parsed.get("error", {}).get("message", message))
    except (ValueError, AttributeError):
        pass
    error: api_exceptions.GoogleAPICallError = api_exceptions.from_http_status(  # type: ignore[no-untyped-call]  # google-api-core leaves it unannotated
        reply.status, message
    )
    return error
