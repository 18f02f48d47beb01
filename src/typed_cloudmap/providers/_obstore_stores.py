"""obstore stores built from a provider's own configuration, credentials from the SDK's chain.

Each builder takes what its provider was configured with (the same keywords the SDK path
uses) and returns an obstore store: keys given to the provider are passed on, and otherwise
obstore's credential providers delegate to the SDK's chain (``Boto3CredentialProvider`` for
boto3's, ``AzureCredentialProvider`` for azure-identity's), so both transports sign with the
same identity. ``obstore_options`` (``config``, ``client_options``, ``retry_config``) are
merged over these defaults for tuning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import ProviderError
from ._azure_config import parse_connection_string

if TYPE_CHECKING:
    from obstore.store import AzureStore, S3Store

__all__ = ["azure_store", "s3_store"]

_OPTION_GROUPS = frozenset({"config", "client_options", "retry_config"})


def check_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """``obstore_options`` as a plain dict; unknown groups are refused before any I/O."""
    given = dict(options or {})
    unknown = sorted(set(given) - _OPTION_GROUPS)
    if unknown:
        raise TypeError(f"obstore_options takes {sorted(_OPTION_GROUPS)}, not {unknown}")
    return given


def _store_options(
    config: dict[str, Any],
    url: str | None,
    pool_size: int,
    options: Mapping[str, Any],
    credential_provider: Any,
) -> dict[str, Any]:
    """The keywords both stores take: config (the caller's ``config`` option last), client
    options, retries and the credential provider (typed by obstore as TypedDicts and
    protocols; built here as plain dicts)."""
    config.update(options.get("config") or {})
    return {
        "config": config,
        "client_options": _client_options(url, pool_size, options),
        "retry_config": options.get("retry_config"),
        "credential_provider": credential_provider,
    }


def _client_options(url: str | None, pool_size: int, options: Mapping[str, Any]) -> dict[str, Any]:
    client: dict[str, Any] = {"pool_max_idle_per_host": str(pool_size)}
    if url is not None and url.startswith("http://"):
        client["allow_http"] = True
    client.update(options.get("client_options") or {})
    return client


def s3_store(
    name: str,
    bucket: str,
    *,
    endpoint_url: str | None,
    region_name: str | None,
    client_kwargs: Mapping[str, Any],
    pool_size: int,
    options: Mapping[str, Any],
) -> S3Store:
    """An ``S3Store`` for ``bucket`` signing as boto3 would with ``client_kwargs``."""
    import boto3
    from obstore.auth.boto3 import Boto3CredentialProvider
    from obstore.store import S3Store

    session = boto3.session.Session()
    config: dict[str, Any] = {"region": region_name or session.region_name or "us-east-1"}
    # boto3 reads these when no endpoint_url is given; so does this transport
    endpoint_url = (
        endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    )
    if endpoint_url is not None:
        config["endpoint"] = endpoint_url
    credential_provider = None
    if client_kwargs.get("aws_access_key_id"):
        config["access_key_id"] = client_kwargs["aws_access_key_id"]
        config["secret_access_key"] = client_kwargs.get("aws_secret_access_key", "")
        if client_kwargs.get("aws_session_token"):
            config["session_token"] = client_kwargs["aws_session_token"]
    elif session.get_credentials() is not None:
        credential_provider = Boto3CredentialProvider(session)
    else:
        raise ProviderError(
            name, "no AWS credentials in boto3's chain (environment, config files, roles)"
        )
    return S3Store(
        bucket, **_store_options(config, endpoint_url, pool_size, options, credential_provider)
    )


def _split_sas(url: str) -> tuple[str, str | None]:
    """``account_url`` without its query, and the query when it is a SAS."""
    parts = urlsplit(url)
    sas = parts.query if any(k == "sig" for k, _ in parse_qsl(parts.query)) else None
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")), sas


def _account_name(endpoint: str) -> str:
    """The account of a blob endpoint: the host's first label, or an emulator's path."""
    parts = urlsplit(endpoint)
    path = parts.path.strip("/")
    if path:  # Azurite and other emulators: http://host:port/account
        return path.split("/")[0]
    return (parts.hostname or "").split(".")[0]


def azure_store(
    name: str,
    container: str,
    *,
    account_url: str | None,
    connection_string: str | None,
    credential: Any,
    pool_size: int,
    options: Mapping[str, Any],
) -> AzureStore:
    """An ``AzureStore`` for ``container`` with the provider's key, SAS or token credential."""
    from obstore.store import AzureStore

    config: dict[str, Any] = {}
    sas: str | None = None
    if connection_string is not None:
        pairs = parse_connection_string(connection_string)
        endpoint = pairs.get("blobendpoint") or (
            f"{pairs.get('defaultendpointsprotocol', 'https')}://{pairs.get('accountname', '')}"
            f".blob.{pairs.get('endpointsuffix', 'core.windows.net')}"
        )
        endpoint, sas = _split_sas(endpoint)
        sas = pairs.get("sharedaccesssignature") or sas
        if pairs.get("accountkey"):
            config["account_key"] = pairs["accountkey"]
        account = pairs.get("accountname") or _account_name(endpoint)
    elif account_url is not None:
        endpoint, sas = _split_sas(account_url)
        account = _account_name(endpoint)
    else:  # pragma: no cover - the provider resolves one of them before building a store
        raise ProviderError(name, "no account_url or connection_string")
    config.update({"account_name": account, "endpoint": endpoint})
    credential_provider = None
    if isinstance(credential, str):
        if "sig=" in credential:
            sas = credential.lstrip("?")
        else:
            config["account_key"] = credential
    elif credential is not None and hasattr(credential, "named_key"):
        config["account_key"] = credential.named_key.key
    elif credential is not None and hasattr(credential, "signature"):
        sas = str(credential.signature).lstrip("?")
    elif credential is not None:
        from obstore.auth.azure import AzureCredentialProvider

        credential_provider = AzureCredentialProvider(credential)
    elif "account_key" not in config and sas is None:
        try:
            from obstore.auth.azure import AzureCredentialProvider
        except ImportError:  # no azure-identity: anonymous, as the SDK path is
            config["skip_signature"] = True
        else:
            credential_provider = AzureCredentialProvider()
    if sas is not None and "account_key" not in config:
        config["sas_key"] = sas
    return AzureStore(
        container, **_store_options(config, endpoint, pool_size, options, credential_provider)
    )
