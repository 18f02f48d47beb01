"""Azure Blob Storage through azure-storage-blob, with every write and delete conditional.

Conditions ride on the request (``If-Match`` / ``If-None-Match: *``), so each single-object
operation is one HTTP request; the SDK's own retry policy handles transient failures.
Etags are always returned in their quoted HTTP form (``'"0x8D..."'``): the service's headers
quote them and its listings don't, so listings are normalised to match.
``transport="obstore"`` sends gets, heads and puts through obstore (see ``_obstore``);
deletes keep the SDK path, which carries their ``If-Match`` condition, and so do listings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import MissingDependencyError

try:
    from azure.core import MatchConditions
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobClient, ContainerClient
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

from ._azure_batch import delete_batches
from ._azure_config import (
    check_token_transport,
    client_options,
    config_secrets,
    endpoint_of,
    resolve_account,
)
from ._azure_errors import classify
from ._azure_requests import _condition, _quoted, downloaded, put_options, read_condition
from ._base import OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._obstore_stores import azure_store, check_options
from ._options import declare, take_options
from ._redact import split_userinfo
from ._shared import LazyClient
from ._translate import Condition, NotModifiedError, Request, library_error, run, run_iter
from ._transports import Transport, check_transport, obstore_transport

if TYPE_CHECKING:
    from obstore.store import AzureStore
    from typing_extensions import Unpack

__all__ = ["AzureBlobProvider"]

T = TypeVar("T")

_SINGLE_PUT = 64 * 1024**2  # the SDK's max_single_put_size: larger values go as blocks
_ANONYMOUS_HINT = (
    "; no credential was given and azure-identity is not installed, so requests are anonymous:"
    " pass connection_string= or credential=, or pip install azure-identity"
)


def _delete_blobs(client: ContainerClient, specs: list[dict[str, Any]]) -> list[Any]:
    return list(client.delete_blobs(*specs, raise_on_any_failure=False))


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
    url_options = declare(
        account_url=str, account_name=str, create=bool, max_connections=int, transport=str
    )
    """The query options of this provider's URLs (see ``_options``)."""
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
        transport: Transport = "sdk",
        obstore_options: Mapping[str, Any] | None = None,
    ) -> None:
        if not container:
            raise ValueError("AzureBlobProvider needs a container name")
        if "@" in container or ":" in container or "/" in container:
            raise ValueError("not an Azure container name (withheld: it may hold a credential)")
        account_url, connection_string = resolve_account(account_url, connection_string)
        check_token_transport(account_url, connection_string, credential)
        self._config: dict[str, Any] = {
            "container": container,
            "account_url": account_url,
            "connection_string": connection_string,
            "credential": credential,
            "client_kwargs": dict(client_kwargs or {}),
            "transport": check_transport(transport, "AzureBlobProvider", ("sdk", "obstore")),
            "obstore_options": check_options(obstore_options),
        }
        self._setup(max_connections)
        if create:
            self._create_container()

    def _setup(self, max_connections: int, *, shared: bool = False) -> None:
        self._clients = LazyClient(
            "azure",
            self._new_client,
            self.__getstate__,
            max_connections,
            close_client=self._close_client,
            shared=shared,
        )
        self._fast = None
        if self._config.get("transport") == "obstore":
            self._fast = obstore_transport(
                "azure",
                self._new_store,
                self.__getstate__,
                max_connections,
                multipart_threshold=_SINGLE_PUT,
                etag=_quoted,
                single_read_condition=True,  # as on the SDK path: If-Match rides alone
                shared=shared,
            )
        self._owned_credential: Any = None
        self._hint = ""
        self._secret_values = self._secrets()

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
        return {"config": dict(self._config), "max_connections": self._clients.pool_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        config = dict(state["config"])
        size: int = state.get("max_connections") or config.pop("max_connections", 16)
        self._config = config
        self._setup(size, shared=True)  # copies in one process share one client

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[AzureBlobProvider, str]:
        """``az://container/prefix?account_url=...&create=true`` -> (provider, prefix).

        Understood options: ``account_url``, ``account_name`` (public cloud endpoint),
        ``create``, ``max_connections``. Secrets never belong in a URL: the credential comes
        from the environment or ``DefaultAzureCredential``.
        """
        kwargs = take_options(cls.url_options, options)
        account_name = kwargs.pop("account_name", None)
        if kwargs.get("account_url") is None and account_name:
            kwargs["account_url"] = f"https://{account_name}.blob.core.windows.net"
        if split_userinfo(location)[0]:
            raise ValueError(
                "az:// URLs take no 'user:password@' (withheld here): pass connection_string= "
                "or credential=, or set AZURE_STORAGE_CONNECTION_STRING"
            )
        return cls(location, **kwargs), path

    # --- clients --------------------------------------------------------------------------

    def _client(self) -> ContainerClient:
        return self._clients.get()

    def _close_client(self, client: ContainerClient) -> None:
        client.close()
        credential, self._owned_credential = self._owned_credential, None
        if credential is not None:
            credential.close()

    def _new_client(self, size: int) -> ContainerClient:
        kwargs = client_options(self._config["client_kwargs"], size, self.endpoint)
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

    @property
    def transport(self) -> Transport:
        """``"sdk"`` (azure-storage-blob) or ``"obstore"`` (see ``_obstore``)."""
        return self._config.get("transport", "sdk")  # type: ignore[no-any-return]  # a Transport

    def _new_store(self, size: int) -> AzureStore:
        return azure_store(
            self.name,
            self.container,
            account_url=self._config["account_url"],
            connection_string=self._config["connection_string"],
            credential=self._config["credential"],
            pool_size=size,
            options=self._config.get("obstore_options") or {},
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

    def _secrets(self) -> tuple[str, ...]:
        """The literal secrets of the configuration (masked in messages and error chains)."""
        return config_secrets(
            self._config["connection_string"],
            self._config["account_url"],
            self._config["credential"],
        )

    def _run(self, request: Request, call: Callable[[], T]) -> T:
        return run(request, classify, call)

    def _request(
        self,
        operation: str,
        key: str | None,
        if_match: str | None = None,
        condition: Condition = Condition.NONE,
    ) -> Request:
        if if_match is not None:
            condition = Condition.IF_MATCH
        return Request(
            self.name, operation, key, condition, if_match, self._secret_values, self._hint
        )

    def _create_container(self) -> None:
        client = self._client()

        def create() -> None:
            with contextlib.suppress(ResourceExistsError):
                client.create_container()

        self._run(self._request("create container", None), create)

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live client is replaced at next use."""
        self._clients.ensure_pool_size(size)
        if self._fast is not None:
            self._fast.ensure_pool_size(size)

    def close(self) -> None:
        self._clients.close()  # the process-wide client of copies stays open for the others
        if self._fast is not None:
            self._fast.close()

    # --- single objects -------------------------------------------------------------------

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        if self._fast is not None and self._fast.handles(name):
            request = self._request("get", name, if_match)
            return self._fast.get(request, name, if_match, if_none_match)
        condition = read_condition(if_match, if_none_match)
        blob = self._blob(name)

        def read() -> tuple[Any, bytes]:
            # decompress=False: the bytes are the caller's, whatever Content-Encoding says.
            stream = blob.download_blob(decompress=False, **condition)
            return stream.properties, stream.readall()

        try:
            props, data = self._run(self._request("get", name, if_match), read)
        except NotModifiedError:
            return None
        return downloaded(props, data, if_match, if_none_match)

    def head(self, name: str) -> ObjectInfo:
        if self._fast is not None and self._fast.handles(name):
            return self._fast.head(self._request("head", name), name)
        props = self._run(self._request("head", name), self._blob(name).get_blob_properties)
        return ObjectInfo(name, _quoted(props.etag), props.size, dict(props.metadata or {}))

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        put = put_request(self, name, data, mode, options)
        upload, condition = put_options(put)
        if self._fast is not None and self._fast.takes_put(put):
            return self._fast.put(self._request("put", name, put.expected, condition), put)
        blob = self._blob(name)
        result = self._run(
            self._request("put", name, put.expected, condition),
            lambda: blob.upload_blob(put.data, length=len(put.data), **upload),
        )
        return _quoted(result["etag"])

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        blob = self._blob(name)
        condition = _condition(if_match, MatchConditions.IfNotModified)
        self._run(self._request("delete", name, if_match), lambda: blob.delete_blob(**condition))

    # --- many objects ---------------------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        client = self._client()
        blobs = run_iter(
            self._request("list", None),
            classify,
            lambda: client.list_blobs(
                name_starts_with=prefix or None, results_per_page=self.list_page_size
            ),
        )
        for blob in blobs:
            yield ObjectInfo(blob.name, _quoted(blob.etag), blob.size)

    def delete_many(self, items: Sequence[tuple[str, str | None]]) -> dict[str, BaseException]:
        """Delete with Blob Batch: one request per 256 blobs, each with its own ``If-Match``."""
        client = self._client()
        return delete_batches(
            items,
            lambda specs: self._run(
                self._request("delete_many", None), partial(_delete_blobs, client, specs)
            ),
            lambda name, etag, failure: library_error(
                self._request("delete", name, etag), *failure
            ),
            _condition,
        )
