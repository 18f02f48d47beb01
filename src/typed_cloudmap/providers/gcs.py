"""Google Cloud Storage provider: the object's generation is its etag.

Writes are conditional on ``ifGenerationMatch`` (``0`` for create-only), deletes likewise,
and reads carry ``ifGenerationMatch`` / ``ifGenerationNotMatch``. The SDK client is created
lazily, once per instance, so constructing a provider does no I/O (unless ``create=True``)
and a pickled provider reopens its client in the process that unpickles it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError
from ._base import OVERWRITE, ObjectInfo, PutMode, PutOptions, StoredObject, put_request
from ._options import declare, take_options
from ._redact import describe, endpoint_secrets, split_userinfo
from ._shared import LazyClient
from ._transports import Transport, check_transport

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._gcs_session import GCSConnection

__all__ = ["GCSProvider"]


_NO_OBSTORE = (
    "GCSProvider and AsyncGCSProvider have no transport='obstore': obstore's GCS client "
    "speaks the XML API, which fake-gcs-server (the emulator the suite runs on) does not "
    "implement (its PUT answers 400 'invalid uploadType'), and an untested transport is not "
    "shipped; use transport='sdk'"
)


class GCSProvider:
    """Objects in one Google Cloud Storage bucket.

    ``credentials`` default to the SDK's chain (``google.auth.default``), resolved at first
    use. ``endpoint_url`` (or the ``STORAGE_EMULATOR_HOST`` environment variable, read at
    first use) points at an emulator; then anonymous credentials and a dummy project are
    used unless given. ``max_pool_connections`` sizes the HTTP connection pool shared by all
    threads using this provider.
    """

    max_object_size: int = 5 * 1024**4
    max_name_length: int = 1024
    url_options = declare(
        endpoint_url=str, project=str, create=bool, max_pool_connections=int, transport=str
    )
    """The query options of this provider's URLs (see ``_options``)."""
    _fast: None = None
    """No obstore transport (see ``_NO_OBSTORE``): the async provider always takes the SDK path."""

    def __init__(
        self,
        bucket: str,
        *,
        project: str | None = None,
        credentials: Any = None,
        endpoint_url: str | None = None,
        create: bool = False,
        max_pool_connections: int = 16,
        transport: Transport = "sdk",
    ) -> None:
        if transport == "obstore":
            raise ValueError(_NO_OBSTORE)
        check_transport(transport, "GCSProvider", ("sdk",))
        if not bucket:
            raise ValueError("a GCS bucket name is required")
        if "@" in bucket or ":" in bucket or "/" in bucket:
            raise ValueError("not a GCS bucket name (withheld: it may hold a credential)")
        self._bucket = bucket
        self._project = project
        self._credentials = credentials
        self._endpoint_url = endpoint_url
        self._clients = LazyClient("gcs", self._open, self.__getstate__, max_pool_connections)
        if create:
            self._conn().create_bucket()

    @classmethod
    def from_url_parts(
        cls, location: str, path: str, options: dict[str, str]
    ) -> tuple[GCSProvider, str]:
        """``gs://bucket/prefix?endpoint_url=...&project=...&create=true&max_pool_connections=N``."""
        userinfo, bucket = split_userinfo(location)
        if userinfo:
            raise ValueError(
                "gs:// URLs take no 'user:password@' (withheld here): GCS credentials come from "
                "google.auth.default() or GCSProvider(credentials=...)"
            )
        return cls(bucket, **take_options(cls.url_options, options)), path

    # --- identity and lifecycle -----------------------------------------------------------

    @property
    def name(self) -> str:
        return f"gs://{self._bucket}"

    @property
    def bucket(self) -> str:
        return self._bucket

    def __repr__(self) -> str:
        return describe(
            "GCSProvider",
            bucket=self._bucket,
            project=self._project,
            endpoint_url=self._endpoint_url,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {
            "bucket": self._bucket,
            "project": self._project,
            "credentials": self._credentials,
            "endpoint_url": self._endpoint_url,
            "max_pool_connections": self._clients.pool_size,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]  # re-run construction: fresh lock, no client
            state["bucket"],
            project=state["project"],
            credentials=state["credentials"],
            endpoint_url=state["endpoint_url"],
            max_pool_connections=state["max_pool_connections"],
        )
        self._clients.shared = True  # copies in one process share one connection

    def _conn(self) -> GCSConnection:
        """The live connection, created at first use (thread-safe)."""
        return self._clients.get()

    def _secrets(self) -> tuple[str, ...]:
        # the SDK quotes request URLs (the endpoint's userinfo included) in its errors
        return endpoint_secrets(self._endpoint_url)

    def _open(self, pool_size: int) -> GCSConnection:
        try:
            from . import _gcs_session
        except ImportError as exc:
            if (exc.name or "").startswith(("google", "requests")):
                raise MissingDependencyError("google-cloud-storage", "gcs") from exc
            raise
        from ._gcs_errors import classify
        from ._translate import Request, run

        settings = _gcs_session.GCSSettings(
            bucket=self._bucket,
            project=self._project,
            credentials=self._credentials,
            endpoint_url=self._endpoint_url,
            max_pool_connections=pool_size,
        )
        secrets = self._secrets()
        return run(
            Request(self.name, "connect", secrets=secrets),
            classify,
            lambda: _gcs_session.GCSConnection(settings, self.name, secrets),
        )

    def ensure_pool_size(self, size: int) -> None:
        """Grow the connection pool to ``size``; a live connection is replaced at next use."""
        self._clients.ensure_pool_size(size)

    def close(self) -> None:
        self._clients.close()

    # --- operations -----------------------------------------------------------------------

    def get(
        self, name: str, *, if_match: str | None = None, if_none_match: str | None = None
    ) -> StoredObject | None:
        return self._conn().get(name, if_match, if_none_match)

    def head(self, name: str) -> ObjectInfo:
        return self._conn().head(name)

    def put(
        self, name: str, data: bytes, *, mode: PutMode = OVERWRITE, **options: Unpack[PutOptions]
    ) -> str:
        return self._conn().put(put_request(self, name, data, mode, options))

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        self._conn().delete(name, if_match)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self._conn().list(prefix)
