"""Azure Blob Storage through azure-storage-blob, with every write and delete conditional.

Conditions ride on the request (``If-Match`` / ``If-None-Match: *``), so each single-object
operation is one HTTP request; the SDK's own retry policy handles transient failures.
Etags are always returned in their quoted HTTP form (``'"0x8D..."'``): the service's headers
quote them and its listings don't, so listings are normalised to match.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import CloudMappingError, MissingDependencyError, ValueSizeError

try:
    import requests
    from azure.core import MatchConditions
    from azure.core.exceptions import HttpResponseError, ResourceExistsError
    from azure.core.pipeline.transport import RequestsTransport
    from azure.storage.blob import BlobClient, ContainerClient, ContentSettings
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

from ._azure_config import check_token_transport, endpoint_of, resolve_account
from ._azure_errors import Call, error_for_status, translated
from ._base import ObjectInfo, StoredObject
from ._registry import option_bool
from ._shared import shared_client

__all__ = ["AzureBlobProvider"]

_BATCH_LIMIT = 256  # sub-requests per Blob Batch request (service limit)
_ANONYMOUS_HINT = (
    "; no credential was given and azure-identity is not installed, so requests are anonymous:"
    " pass connection_string= or credential=, or pip install azure-identity"
)
_TRANSPORT_DEFAULTS = {
    "connection_timeout": 20,
    "read_timeout": 60,
    "connection_data_block_size": 256 * 1024,
}


def _quoted(etag: str) -> str:
    """The one etag form this provider hands out and accepts: quoted, as in HTTP headers."""
    return f'"{etag.strip(chr(34))}"'


def _condition(etag: str | None, match: MatchConditions) -> dict[str, Any]:
    """The SDK's keyword arguments for one etag condition (none without an etag)."""
    if etag is None:
        return {}
    return {"etag": _quoted(etag), "match_condition": match}


class AzureBlobProvider:
    """Blobs in one Azure Storage container.

    Credentials: ``connection_string`` (may hold an account key or a SAS), else ``credential``
    with ``account_url`` (an account key, a SAS, or any ``azure.identity`` token credential),
    else ``azure.identity.DefaultAzureCredential`` when azure-identity is installed, else
    anonymous access. With neither ``account_url`` nor ``connection_string``, the environment
    supplies them (``AZURE_STORAGE_CONNECTION_STRING``, ``AZURE_STORAGE_ACCOUNT_URL``,
    ``AZURE_STORAGE_ACCOUNT_NAME``). ``client_kwargs`` go to the SDK client, e.g.
    ``retry_total`` or ``retry_policy`` to tune the SDK's retries.
    """

    max_object_size: int = 5000 * 1024**2
    """The service's single Put Blob limit, kept as the ceiling for one value (the SDK itself
    uploads values over ``max_single_put_size``, 64 MiB, as staged blocks plus a commit)."""
    max_name_length: int = 1024
    list_page_size: int = 5000
    """Blobs per List Blobs request; 5000 is the service's maximum."""

    def __init__(
        self,
        container: str,
        *,
        account_url: str | None = None,
        connection_string: str | None = None,
        credential: Any = None,
        create: bool = False,
        max_connections: int = 16,
        client_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if not container:
            raise ValueError("AzureBlobProvider needs a container name")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        account_url, connection_string = resolve_account(account_url, connection_string)
        check_token_transport(account_url, connection_string, credential)
        self._config: dict[str, Any] = {
            "container": container,
            "account_url": account_url,
            "connection_string": connection_string,
            "credential": credential,
            "max_connections": max_connections,
            "client_kwargs": dict(client_kwargs or {}),
        }
        self._setup()
        if create:
            self._create_container()

    def _setup(self) -> None:
        self._lock = threading.Lock()
        self._shared = False
        self._container_client: ContainerClient | None = None
        self._owned_credential: Any = None
        self._hint = ""

    # --- identity -------------------------------------------------------------------------

    @property
    def container(self) -> str:
        container: str = self._config["container"]
        return container

    @property
    def name(self) -> str:
        return f"az://{self.container}"

    @property
    def endpoint(self) -> str:
        """The blob endpoint, without any key or SAS."""
        return endpoint_of(self._config["account_url"], self._config["connection_string"])

    def __repr__(self) -> str:
        return f"AzureBlobProvider(container={self.container!r}, endpoint={self.endpoint!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"config": dict(self._config)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = dict(state["config"])
        self._setup()
        self._shared = True  # copies in one process share one client (see _shared)

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[AzureBlobProvider, str]:
        """``az://container/prefix?account_url=...&create=true`` -> (provider, prefix).

        Understood options: ``account_url``, ``account_name`` (public cloud endpoint),
        ``create``, ``max_connections``. Secrets never belong in a URL: the credential comes
        from the environment or ``DefaultAzureCredential``.
        """
        account_url = options.pop("account_url", None) or None
        account_name = options.pop("account_name", None) or None
        if account_url is None and account_name:
            account_url = f"https://{account_name}.blob.core.windows.net"
        create = option_bool(options, "create", default=False)
        max_connections = int(options.pop("max_connections", "16"))
        provider = cls(
            location, account_url=account_url, create=create, max_connections=max_connections
        )
        return provider, path

    # --- clients --------------------------------------------------------------------------

    def _client(self) -> ContainerClient:
        client = self._container_client
        if client is None:
            with self._lock:
                client = self._container_client
                if client is None:
                    if self._shared:
                        client = shared_client("azure", self._config, self._new_client)
                    else:
                        client = self._new_client()
                    self._container_client = client
        return client

    def _new_client(self) -> ContainerClient:
        size = self._config["max_connections"]
        session = requests.Session()
        # Retries belong to the SDK's policy, so urllib3's own are off (as the SDK does).
        no_retries = Retry(total=False, redirect=False, raise_on_status=False)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=size, max_retries=no_retries)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        kwargs: dict[str, Any] = dict(self._config["client_kwargs"])
        # The SDK's own transport defaults, which it applies only to transports it builds.
        transport_options = {k: kwargs.pop(k, v) for k, v in _TRANSPORT_DEFAULTS.items()}
        kwargs.setdefault(
            "transport",
            RequestsTransport(session=session, session_owner=True, **transport_options),
        )
        credential = self._config["credential"]
        if self._config["connection_string"] is not None:
            return ContainerClient.from_connection_string(
                self._config["connection_string"],
                self.container,
                credential=credential,
                **kwargs,
            )
        if credential is None:
            credential = self._default_credential()
        return ContainerClient(
            self._config["account_url"], self.container, credential=credential, **kwargs
        )

    def _default_credential(self) -> Any:
        """``DefaultAzureCredential`` if azure-identity is installed, else anonymous."""
        if "sig=" in self._config["account_url"]:
            return None  # the URL carries a SAS
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError:
            self._hint = _ANONYMOUS_HINT
            return None
        self._owned_credential = DefaultAzureCredential()
        return self._owned_credential

    def _blob(self, name: str) -> BlobClient:
        return self._client().get_blob_client(name)

    def _call(
        self,
        operation: str,
        key: str | None,
        if_match: str | None = None,
        create_only: bool = False,
    ) -> Call:
        return Call(self.name, operation, key, if_match, create_only, self._hint)

    def _create_container(self) -> None:
        client = self._client()
        call = self._call("create container", None)
        with translated(call), contextlib.suppress(ResourceExistsError):
            client.create_container()

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live client is replaced at next use."""
        with self._lock:
            if size > self._config["max_connections"]:
                self._config["max_connections"] = size
                self._container_client = None  # in-flight calls finish on the old client

    def close(self) -> None:
        with self._lock:
            client, self._container_client = self._container_client, None
            credential, self._owned_credential = self._owned_credential, None
        if self._shared:
            return  # the process-wide client stays open for the other copies
        if client is not None:
            client.close()
        if credential is not None:
            credential.close()

    # --- single objects -------------------------------------------------------------------

    def get(
        self,
        name: str,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> StoredObject | None:
        if if_match is not None:
            condition = _condition(if_match, MatchConditions.IfNotModified)
        else:
            condition = _condition(if_none_match, MatchConditions.IfModified)
        blob = self._blob(name)
        with translated(self._call("get", name, if_match)):
            try:
                # decompress=False: the bytes are the caller's, whatever Content-Encoding says.
                stream = blob.download_blob(decompress=False, **condition)
            except HttpResponseError as exc:
                if exc.status_code == 304:
                    return None
                raise
            data = stream.readall()
        props = stream.properties
        etag = _quoted(props.etag)
        if if_match is not None and if_none_match is not None and etag == _quoted(if_none_match):
            return None
        settings = props.content_settings
        return StoredObject(
            data, etag, dict(props.metadata or {}), settings.content_type, settings.content_encoding
        )

    def head(self, name: str) -> ObjectInfo:
        blob = self._blob(name)
        with translated(self._call("head", name)):
            props = blob.get_blob_properties()
        return ObjectInfo(name, _quoted(props.etag), props.size, dict(props.metadata or {}))

    def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        create_only: bool = False,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
        content_encoding: str | None = None,
    ) -> str:
        if create_only and if_match is not None:
            raise ValueError("put: create_only and if_match cannot both hold")
        if len(data) > self.max_object_size:
            raise ValueSizeError(
                f"{len(data)} bytes is over the {self.max_object_size}-byte limit of {self.name}",
                key=name,
            )
        options: dict[str, Any] = {
            # overwrite=False makes the SDK send If-None-Match: *
            "overwrite": not create_only,
            "metadata": dict(metadata) if metadata else None,
            "content_settings": ContentSettings(
                content_type=content_type, content_encoding=content_encoding
            ),
        }
        options.update(_condition(if_match, MatchConditions.IfNotModified))
        blob = self._blob(name)
        with translated(self._call("put", name, if_match, create_only)):
            result = blob.upload_blob(data, length=len(data), **options)
        return _quoted(result["etag"])

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        blob = self._blob(name)
        with translated(self._call("delete", name, if_match)):
            blob.delete_blob(**_condition(if_match, MatchConditions.IfNotModified))

    # --- many objects ---------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        client = self._client()
        with translated(self._call("list", None)):
            pages = client.list_blobs(
                name_starts_with=prefix or None, results_per_page=self.list_page_size
            )
            for blob in pages:
                yield ObjectInfo(blob.name, _quoted(blob.etag), blob.size)

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        """Delete with Blob Batch: one request per 256 blobs, each with its own ``If-Match``."""
        failures: dict[str, BaseException] = {}
        client = self._client()
        for start in range(0, len(items), _BATCH_LIMIT):
            chunk = items[start : start + _BATCH_LIMIT]
            specs = [
                {"name": name, **_condition(etag, MatchConditions.IfNotModified)}
                for name, etag in chunk
            ]
            try:
                with translated(self._call("delete_many", None)):
                    replies = list(client.delete_blobs(*specs, raise_on_any_failure=False))
            except CloudMappingError as exc:  # a failed batch fails each of its blobs
                for name, _ in chunk:
                    failures[name] = exc
                continue
            for (name, etag), reply in zip(chunk, replies, strict=True):
                if reply.status_code in (200, 202):
                    continue
                code = reply.headers.get("x-ms-error-code") or ""
                call = self._call("delete", name, etag)
                failures[name] = error_for_status(call, reply.status_code, code, reply.reason or "")
        return failures
