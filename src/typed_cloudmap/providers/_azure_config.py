"""Where an Azure Blob provider's account comes from, and how to show it without secrets."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

__all__ = [
    "check_token_transport",
    "client_options",
    "config_secrets",
    "endpoint_of",
    "is_token_credential",
    "parse_connection_string",
    "resolve_account",
]


def parse_connection_string(connection_string: str) -> dict[str, str]:
    """``Key=Value;...`` pairs of an Azure Storage connection string, keys lower-cased."""
    pairs: dict[str, str] = {}
    for part in connection_string.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            pairs[key.strip().lower()] = value.strip()
    return pairs


def endpoint_of(account_url: str | None, connection_string: str | None) -> str:
    """The blob endpoint to show in ``repr``: no query string (SAS), no user info, no key."""
    url = account_url
    if url is None and connection_string is not None:
        pairs = parse_connection_string(connection_string)
        url = pairs.get("blobendpoint")
        if url is None and "accountname" in pairs:
            scheme = pairs.get("defaultendpointsprotocol", "https")
            suffix = pairs.get("endpointsuffix", "core.windows.net")
            url = f"{scheme}://{pairs['accountname']}.blob.{suffix}"
    if not url:
        return "?"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def resolve_account(
    account_url: str | None, connection_string: str | None
) -> tuple[str | None, str | None]:
    """Fill in ``(account_url, connection_string)`` from the environment when both are unset.

    Follows the Azure CLI's conventions: ``AZURE_STORAGE_CONNECTION_STRING`` first, then
    ``AZURE_STORAGE_ACCOUNT_URL``, then an account name in ``AZURE_STORAGE_ACCOUNT_NAME`` or
    ``AZURE_STORAGE_ACCOUNT`` (public cloud endpoint).
    """
    if account_url is not None or connection_string is not None:
        return account_url, connection_string
    env = os.environ
    if env.get("AZURE_STORAGE_CONNECTION_STRING"):
        return None, env["AZURE_STORAGE_CONNECTION_STRING"]
    if env.get("AZURE_STORAGE_ACCOUNT_URL"):
        return env["AZURE_STORAGE_ACCOUNT_URL"], None
    name = env.get("AZURE_STORAGE_ACCOUNT_NAME") or env.get("AZURE_STORAGE_ACCOUNT")
    if name:
        return f"https://{name}.blob.core.windows.net", None
    raise ValueError(
        "AzureBlobProvider needs an account: pass account_url= or connection_string=, or set "
        "AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_NAME"
    )


def config_secrets(
    connection_string: str | None, account_url: str | None, credential: object
) -> tuple[str, ...]:
    """The literal secrets of a configuration (masked in messages and error chains)."""
    found: list[str] = []
    if connection_string is not None:
        pairs = parse_connection_string(connection_string)
        found += [pairs.get("accountkey", ""), pairs.get("sharedaccesssignature", "")]
    query = urlsplit(account_url or "").query
    found += [query, *(v for k, v in parse_qsl(query) if k == "sig")]
    sas: str | None = None  # a SAS as credential=: the whole query and its signature
    if isinstance(credential, str):
        found.append(credential)
        sas = credential
    named_key = getattr(credential, "named_key", None)  # AzureNamedKeyCredential
    if named_key is not None:
        found.append(str(getattr(named_key, "key", "")))
    signature = getattr(credential, "signature", None)  # AzureSasCredential
    if isinstance(signature, str):
        found.append(signature)
        sas = signature
    if sas is not None:
        found += [v for k, v in parse_qsl(sas.lstrip("?")) if k == "sig"]
    return tuple(s for s in found if len(s) >= 3)


_TRANSPORT_DEFAULTS = {
    "connection_timeout": 20,
    "read_timeout": 60,
    "connection_data_block_size": 256 * 1024,
}


def client_options(client_kwargs: Mapping[str, Any], size: int, endpoint: str) -> dict[str, Any]:
    """The SDK client's keywords: ``client_kwargs`` over a requests transport whose pool holds
    ``size`` connections and which read the environment's proxies for ``endpoint`` and its CA
    bundle once, now (see ``_http_env``)."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from ._http_env import ca_bundle, read_once

    session = requests.Session()
    # Retries belong to the SDK's policy, so urllib3's own are off (as the SDK does).
    no_retries = Retry(total=False, redirect=False, raise_on_status=False)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=size, max_retries=no_retries)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    read_once(session, endpoint)
    kwargs: dict[str, Any] = dict(client_kwargs)
    # The SDK's own transport defaults, which it applies only to transports it builds.
    transport_options = {k: kwargs.pop(k, v) for k, v in _TRANSPORT_DEFAULTS.items()}
    bundle = ca_bundle()
    if bundle is not None and "connection_verify" not in kwargs:
        # The transport passes verify=True on every request, which would hide the session's.
        transport_options["connection_verify"] = bundle
    kwargs.setdefault(
        "transport", RequestsTransport(session=session, session_owner=True, **transport_options)
    )
    return kwargs


def is_token_credential(credential: object) -> bool:
    """Whether ``credential`` is an azure-core token credential (it has ``get_token``), not
    an account key or SAS (a string, ``AzureNamedKeyCredential``, ``AzureSasCredential``)."""
    return not isinstance(credential, str) and callable(getattr(credential, "get_token", None))


def check_token_transport(
    account_url: str | None, connection_string: str | None, credential: object
) -> None:
    """Refuse, when the provider is made, an ``http://`` account URL that would be sent a
    token credential: the SDK refuses those over plain HTTP only at the first request, and
    obstore would send the bearer token unencrypted, so both transports refuse it here.

    A token credential given as ``credential=`` is refused over ``http://``. With no
    credential, no SAS in the URL and azure-identity installed, the provider would use
    ``DefaultAzureCredential``: refused too. An account key or SAS (``credential=``, a
    connection string, the URL's query) works over HTTP, as with the Azurite emulator.
    """
    if connection_string is not None or account_url is None:
        return
    if urlsplit(account_url).scheme.lower() != "http":
        return
    endpoint = endpoint_of(account_url, None)
    if credential is not None:
        if is_token_credential(credential):
            raise ValueError(
                f"account_url {endpoint!r} is plain http://, so a token credential cannot be "
                "sent over it (it would travel unencrypted); use https://, or an account key "
                "or SAS"
            )
        return
    if "sig=" in account_url:
        return
    try:
        has_identity = importlib.util.find_spec("azure.identity") is not None
    except ImportError:
        has_identity = False
    if not has_identity:
        return  # anonymous requests, which plain HTTP allows
    raise ValueError(
        f"account_url {endpoint!r} is plain http://, so the default "
        "token credential (azure-identity) cannot be sent over it; use https://, or pass "
        "connection_string= or credential= (an account key or SAS), e.g. through "
        "AZURE_STORAGE_CONNECTION_STRING"
    )
