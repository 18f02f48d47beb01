"""The seed's spellings, for code moving from cloud-mappings; each returns a ``CloudMapping``.

``AzureBlobMapping``, ``GoogleCloudStorageMapping`` and ``AWSS3Mapping`` take cloud-mappings'
keyword arguments (and its positional order) and build the matching provider; calling one
gives the seed's "raw" mapping (``CloudMapping[str, bytes]``), and ``.with_pickle()``,
``.with_json()``, ``.with_json_zlib()`` and ``.with_buffers([dumps, loads, ...])`` give a
``CloudMapping[str, Any]`` over the codec stacks ``pickle``, ``json``, ``json|zlib`` or the
given functions. ``ProviderMapping`` is the same surface over any :class:`Provider` (the
seed's base class took a ``storageprovider``).

Objects written by cloud-mappings carry no ``tcm_codec`` metadata, so they decode with the
stack named here: pick the helper matching how the data was written (``with_pickle`` for the
seed's default). Keys: cloud-mappings named objects ``urllib.parse.quote(key)``, which is the
name this library gives every ordinary key, so seed keys are found as they are.

What changed: every write and delete is conditional on the server (S3 included, so the seed's
S3 warning and ``silence_warning`` no longer apply), a stale view raises
:class:`~typed_cloudmap.KeySyncError` (no longer a ``KeyError``), and the bucket or container
is created if missing, as the seed did (pass ``create=False`` to refuse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from ._compat_buffers import FunctionSerializer, FunctionTransform, stack_from_buffers
from ._mapping import CloudMapping, CodecSpec
from .providers import Provider

__all__ = [
    "AWSS3Mapping",
    "AzureBlobMapping",
    "FunctionSerializer",
    "FunctionTransform",
    "GoogleCloudStorageMapping",
    "ProviderMapping",
    "SeedSpelling",
    "stack_from_buffers",
]

# Keywords that configure the mapping rather than the provider.
_MAPPING_OPTIONS = frozenset(
    {"sync_initially", "read_blindly", "key_prefix", "prefix", "max_workers", "executor", "cache"}
)

ProviderBuilder = Callable[..., Provider]


class SeedSpelling:
    """One seed class name: call it for a raw mapping, or use its ``with_*`` helpers.

    ``positional`` is the order the seed accepted positional arguments in; everything else is
    by keyword. Mapping keywords: ``sync_initially`` (default ``True``), ``read_blindly``,
    ``key_prefix`` (or ``prefix``), ``max_workers``, ``executor``, ``cache``; the rest go to
    the provider builder.
    """

    def __init__(self, name: str, positional: Sequence[str], build: ProviderBuilder) -> None:
        self.__name__ = self.__qualname__ = name
        self._positional = tuple(positional)
        self._build = build

    def _open(
        self, codec: CodecSpec, value_type: Any, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> Any:
        if len(args) > len(self._positional):
            raise TypeError(
                f"{self.__name__} takes at most {len(self._positional)} positional arguments "
                f"({', '.join(self._positional)}), got {len(args)}"
            )
        for param, arg in zip(self._positional, args, strict=False):
            if param in kwargs:
                raise TypeError(f"{self.__name__} got multiple values for argument {param!r}")
            kwargs[param] = arg
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _MAPPING_OPTIONS}
        prefix = options.pop("prefix", None)
        key_prefix = options.pop("key_prefix", None)
        if prefix is not None and key_prefix is not None:
            raise TypeError("pass key_prefix or prefix, not both")
        # The seed quoted its key prefix together with the key; a safe prefix is unchanged.
        prefix = quote(key_prefix) if key_prefix is not None else (prefix or "")
        provider = self._build(**kwargs)
        return CloudMapping(
            provider,
            prefix=prefix,
            codec=codec,
            key_type=str,
            value_type=value_type,
            key_encoding="quote",
            **options,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> CloudMapping[str, bytes]:
        """The seed's raw mapping: bytes-like values only, stored as they are."""
        mapping: CloudMapping[str, bytes] = self._open("raw", bytes, args, kwargs)
        return mapping

    def with_buffers(
        self, io_buffers: Sequence[Callable[..., Any]], *args: Any, **kwargs: Any
    ) -> CloudMapping[str, Any]:
        """A mapping through ``[dumps_1, loads_1, dumps_2, loads_2, ...]``.

        ``dumps_1`` runs first on write and ``loads_1`` last on read, as the seed documented.
        The stack is named after the functions (``buffers:dumps=json.dumps,...``) and is not
        in the codec registry: only a mapping given the same functions reads its objects.
        """
        stack = stack_from_buffers(io_buffers)
        mapping: CloudMapping[str, Any] = self._open(stack, Any, args, kwargs)
        return mapping

    def with_pickle(self, *args: Any, **kwargs: Any) -> CloudMapping[str, Any]:
        """Any picklable value, codec ``pickle`` (the seed's default; unpickling runs code)."""
        mapping: CloudMapping[str, Any] = self._open("pickle", Any, args, kwargs)
        return mapping

    def with_json(self, *args: Any, **kwargs: Any) -> CloudMapping[str, Any]:
        """JSON values, codec ``json`` with sorted keys (as cloud-mappings wrote them)."""
        mapping: CloudMapping[str, Any] = self._open("json:sort_keys=true", Any, args, kwargs)
        return mapping

    def with_json_zlib(self, *args: Any, **kwargs: Any) -> CloudMapping[str, Any]:
        """JSON compressed with zlib (zlib wrapper, as ``zlib.compress`` writes it)."""
        stack = "json:sort_keys=true|zlib"
        mapping: CloudMapping[str, Any] = self._open(stack, Any, args, kwargs)
        return mapping

    def __repr__(self) -> str:
        return f"<typed_cloudmap.compat.{self.__name__}>"


def _azure(
    account_url: str | None = None,
    container_name: str | None = None,
    credential: Any = None,
    *,
    connection_string: str | None = None,
    create_container_metadata: Any = None,
    create: bool = True,
    **extra: Any,
) -> Provider:
    if container_name is None:
        raise TypeError("AzureBlobMapping needs container_name")
    if create_container_metadata is not None:
        raise TypeError(
            "create_container_metadata is not supported: create the container yourself "
            "with the metadata you need"
        )
    from .providers.azure import AzureBlobProvider

    return AzureBlobProvider(
        container_name,
        account_url=account_url,
        connection_string=connection_string,
        credential=credential,
        create=create,
        **extra,
    )


def _gcs(
    project: str | None = None,
    bucket_name: str | None = None,
    credentials: Any = None,
    *,
    create: bool = True,
    **extra: Any,
) -> Provider:
    if bucket_name is None:
        raise TypeError("GoogleCloudStorageMapping needs bucket_name")
    from .providers.gcs import GCSProvider

    return GCSProvider(
        bucket_name, project=project, credentials=credentials, create=create, **extra
    )


def _s3(
    bucket_name: str | None = None,
    silence_warning: bool = False,
    *,
    create: bool = True,
    **extra: Any,
) -> Provider:
    # ``silence_warning`` is accepted and ignored: the seed warned that its S3 writes were
    # check-then-write races; S3Provider's writes and deletes are conditional on the server.
    del silence_warning
    if bucket_name is None:
        raise TypeError("AWSS3Mapping needs bucket_name")
    from .providers.s3 import S3Provider

    return S3Provider(bucket_name, create=create, **extra)


def _any_provider(storageprovider: Provider | str | None = None, **extra: Any) -> Provider:
    if extra:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(extra))}")
    if storageprovider is None:
        raise TypeError("ProviderMapping needs storageprovider (a Provider or a URL)")
    if isinstance(storageprovider, str):
        from .providers import open_url

        provider, url_prefix, options = open_url(storageprovider)
        if url_prefix or options:
            raise ValueError("give the prefix as key_prefix= and no URL options here")
        return provider
    return storageprovider


AzureBlobMapping = SeedSpelling(
    "AzureBlobMapping", ("account_url", "container_name", "credential"), _azure
)
"""cloud-mappings' ``AzureBlobMapping``: ``account_url``, ``container_name``, ``credential``,
``connection_string``; extra keywords (``create``, ``client_kwargs``...) go to
:class:`~typed_cloudmap.AzureBlobProvider`."""

GoogleCloudStorageMapping = SeedSpelling(
    "GoogleCloudStorageMapping", ("project", "bucket_name", "credentials"), _gcs
)
"""cloud-mappings' ``GoogleCloudStorageMapping``: ``project``, ``bucket_name``,
``credentials``; extra keywords (``endpoint_url``, ``create``) go to
:class:`~typed_cloudmap.GCSProvider`."""

AWSS3Mapping = SeedSpelling("AWSS3Mapping", ("bucket_name", "silence_warning"), _s3)
"""cloud-mappings' ``AWSS3Mapping``: ``bucket_name``, ``silence_warning`` (accepted, ignored:
writes are now conditional on the server); extra keywords (``endpoint_url``, ``region_name``,
``client_kwargs``, ``create``) go to :class:`~typed_cloudmap.S3Provider`."""

ProviderMapping = SeedSpelling("ProviderMapping", ("storageprovider",), _any_provider)
"""The seed's base ``CloudMapping(storageprovider)`` over any provider or provider URL."""
