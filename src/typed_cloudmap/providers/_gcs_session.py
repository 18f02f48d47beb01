"""The live side of ``GCSProvider``: one google-cloud-storage client and its HTTP pool.

Imported only when a provider first talks to the service, so the package imports without the
``gcs`` extra. Every call here is one HTTP request (uploads over the SDK's 8 MiB multipart
threshold excepted, which use a resumable session) and runs under the SDK's own retry policy.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import google.auth
import requests.adapters
from google.api_core import exceptions as api_exceptions
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud.storage import Blob, Client

from ..errors import KeySyncError, ProviderError
from ._base import CREATE, ObjectInfo, PutRequest, StoredObject
from ._gcs_errors import classify
from ._http_env import read_once
from ._translate import Condition, NotModifiedError, Request, run, run_iter

__all__ = ["GCSConnection", "GCSSettings"]

_META_HEADER = "x-goog-meta-"
_LIST_FIELDS = "items(name,generation,size),nextPageToken"
_EMULATOR_PROJECT = "typed-cloudmap-emulator"
_PUBLIC = "https://storage.googleapis.com"

T = TypeVar("T")


@dataclass(frozen=True)
class GCSSettings:
    """What a connection needs; picklable (credentials permitting), never printed."""

    bucket: str
    project: str | None
    credentials: Any
    endpoint_url: str | None
    max_pool_connections: int


class _HeaderKeepingBlob(Blob):  # type: ignore[misc]  # google-cloud-storage is untyped (Any)
    """A ``Blob`` that keeps the headers of its media download.

    The SDK reads generation, content type and encoding from the download response
    (``_extract_headers_from_download``) but drops the ``x-goog-meta-*`` user metadata that
    the same response carries; keeping the headers gives data, generation and metadata of one
    version from one request.
    """

    response_headers: Mapping[str, str] | None = None

    def _extract_headers_from_download(self, response: Any) -> None:
        super()._extract_headers_from_download(response)
        self.response_headers = response.headers


def _emulator_endpoint() -> str | None:
    """``STORAGE_EMULATOR_HOST`` as a URL (the SDK's own convention), if set."""
    host = os.environ.get("STORAGE_EMULATOR_HOST", "").strip()
    if not host:
        return None
    return host if "://" in host else f"http://{host}"


def _generation(etag: str) -> int | None:
    """The generation an etag names, or ``None`` if it cannot be one (so it matches nothing)."""
    return int(etag) if etag.isascii() and etag.isdecimal() else None


def generation_match(name: str, etag: str | None) -> int | None:
    """The ``ifGenerationMatch`` of an etag condition (``None``: none); an etag that cannot be
    a generation matches no version (``KeySyncError``)."""
    if etag is None:
        return None
    match = _generation(etag)
    if match is None:
        raise KeySyncError(name, etag)
    return match


def put_generation(put: PutRequest) -> int | None:
    """The one place a put's write mode becomes ``ifGenerationMatch`` (``0``: create-only);
    the async provider uses it too."""
    return 0 if put.mode == CREATE else generation_match(put.name, put.expected)


def downloaded(
    name: str,
    data: bytes,
    headers: Mapping[str, str],
    if_match: str | None,
    if_none_match: str | None,
) -> StoredObject | None:
    """One media download as a stored object (``None``: unchanged); the async provider's
    downloads read the same way."""
    etag = headers.get("x-goog-generation", "")
    # The service enforces both conditions; checking again costs nothing and keeps the
    # contract on emulators that ignore them.
    if if_match is not None and etag != if_match:
        raise KeySyncError(name, if_match)
    if if_none_match is not None and etag == if_none_match:
        return None
    metadata = {
        key[len(_META_HEADER) :].lower(): value
        for key, value in headers.items()
        if key.lower().startswith(_META_HEADER)
    }
    return StoredObject(
        data, etag, metadata, headers.get("content-type"), _stored_encoding(headers)
    )


def _stored_encoding(headers: Mapping[str, str]) -> str | None:
    stored = headers.get("x-goog-stored-content-encoding") or headers.get("content-encoding")
    return None if stored in (None, "", "identity") else stored


class GCSConnection:
    """A client, its bucket handle and a pooled session, shared by a provider's threads."""

    def __init__(self, settings: GCSSettings, provider: str, secrets: tuple[str, ...]) -> None:
        self._provider = provider
        self._secrets = secrets
        self._bucket_name = settings.bucket
        endpoint = settings.endpoint_url or _emulator_endpoint()
        credentials = settings.credentials
        project = settings.project
        if endpoint:
            credentials = credentials or AnonymousCredentials()  # type: ignore[no-untyped-call]  # google-auth leaves __init__ unannotated
            project = project or _EMULATOR_PROJECT
        elif credentials is None:
            credentials, default_project = google.auth.default(scopes=list(Client.SCOPE))
            project = project or default_project
        self.session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]  # same as above
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=settings.max_pool_connections
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        read_once(self.session, endpoint or _PUBLIC)  # proxies and CA bundle, not per request
        self.client = Client(
            project=project,
            credentials=credentials,
            _http=self.session,
            client_options={"api_endpoint": endpoint} if endpoint else None,
        )
        self.bucket = self.client.bucket(settings.bucket)

    def close(self) -> None:
        self.client.close()

    def _run(
        self,
        operation: str,
        name: str | None,
        call: Callable[[], T],
        expected: str | None = None,
        condition: Condition = Condition.NONE,
    ) -> T:
        if expected is not None:
            condition = Condition.IF_MATCH
        request = Request(self._provider, operation, name, condition, expected, self._secrets)
        return run(request, classify, call)

    def create_bucket(self) -> None:
        def create() -> None:
            # A 409 Conflict means the bucket exists already: that is what we wanted.
            with contextlib.suppress(api_exceptions.Conflict):
                self.client.create_bucket(self._bucket_name)

        self._run("create bucket", None, create)

    def get(
        self, name: str, if_match: str | None, if_none_match: str | None
    ) -> StoredObject | None:
        match = None if if_match is None else _generation(if_match)
        if if_match is not None and match is None:
            raise KeySyncError(name, if_match)
        not_match = None if if_none_match is None else _generation(if_none_match)
        blob = _HeaderKeepingBlob(name, self.bucket)
        try:
            data = self._run(
                "get",
                name,
                lambda: blob.download_as_bytes(
                    raw_download=True, if_generation_match=match, if_generation_not_match=not_match
                ),
                if_match,
            )
        except NotModifiedError:
            return None
        headers = blob.response_headers
        if headers is None:
            raise ProviderError(
                self._provider,
                "this google-cloud-storage version does not expose download headers",
                key=name,
            )
        return downloaded(name, data, headers, if_match, if_none_match)

    def head(self, name: str) -> ObjectInfo:
        blob = self.bucket.blob(name)
        self._run("head", name, blob.reload)
        metadata = {key.lower(): value for key, value in (blob.metadata or {}).items()}
        return ObjectInfo(name, str(blob.generation), blob.size, metadata)

    def put(self, put: PutRequest) -> str:
        match = put_generation(put)
        blob = self.bucket.blob(put.name)
        if put.metadata:
            blob.metadata = dict(put.metadata)
        if put.content_encoding:
            blob.content_encoding = put.content_encoding
        condition = Condition.CREATE_ONLY if match == 0 else Condition.NONE
        self._run(
            "put",
            put.name,
            lambda: blob.upload_from_string(
                put.data,
                content_type=put.content_type or "application/octet-stream",
                if_generation_match=match,
            ),
            put.expected,
            condition,
        )
        return str(blob.generation)

    def delete(self, name: str, if_match: str | None) -> None:
        match = generation_match(name, if_match)
        blob = self.bucket.blob(name)
        self._run("delete", name, lambda: blob.delete(if_generation_match=match), if_match)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        request = Request(self._provider, "list", None, secrets=self._secrets)
        blobs = run_iter(
            request,
            classify,
            lambda: self.client.list_blobs(
                self._bucket_name, prefix=prefix or None, page_size=1000, fields=_LIST_FIELDS
            ),
        )
        for blob in blobs:
            yield ObjectInfo(blob.name, str(blob.generation), blob.size)
