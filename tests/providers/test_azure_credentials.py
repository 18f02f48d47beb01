"""Azure SAS and token credentials on both transports, against Azurite.

SAS tokens are made the way a user makes them (``generate_container_sas`` /
``generate_account_sas`` with the development account's published key) and given as
``credential=`` (a string or an ``AzureSasCredential``) or in ``account_url``'s query. Token
credentials need HTTPS and OAuth, so those tests run a second Azurite with TLS (a certificate
made for the run) and ``--oauth basic``, which checks a bearer token's issuer, audience and
lifetime but not its signature: the credential below is a real azure-core ``TokenCredential``
issuing such tokens, and every request reaches the emulator. Secrets never appear in a
provider's name or repr, nor in an error's chain.
"""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureSasCredential

from _leaks import assert_clean, chain_texts
from emulators import Azurite, run_azurite
from emulators.azurite import ACCOUNT, ACCOUNT_KEY
from typed_cloudmap import KeySyncError, ProviderError
from typed_cloudmap.providers import IfMatch
from typed_cloudmap.providers._transports import Transport
from typed_cloudmap.providers.azure import AzureBlobProvider

TRANSPORTS: list[Transport] = ["sdk", "obstore"]
TRUST_RUN_CERT = {"client_options": {"allow_invalid_certificates": True}}
"""obstore has no option to trust one extra CA; the SDK path verifies against the run's
certificate (``REQUESTS_CA_BUNDLE``)."""


def _expiry() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)


def _container_sas(container: str, **permissions: bool) -> str:
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    return generate_container_sas(
        ACCOUNT,
        container,
        account_key=ACCOUNT_KEY,
        permission=ContainerSasPermissions(**permissions),
        expiry=_expiry(),
    )


def _account_sas() -> str:
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    return generate_account_sas(
        ACCOUNT,
        ACCOUNT_KEY,
        resource_types=ResourceTypes(container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, delete=True, list=True),
        expiry=_expiry(),
    )


def _fresh_container(azurite: Azurite) -> str:
    container = f"tcm-{uuid.uuid4().hex[:20]}"
    azurite.raw(container).container.create_container()
    return container


def _exercise(provider: AzureBlobProvider, azurite: Azurite) -> None:
    """Conditional puts, reads, a listing and conditional deletes, checked through the raw
    SDK with the account key (a second path)."""
    etag = provider.put(
        "a/k", b"v1", mode="create", metadata={"tcm_token": "t1"}, content_type="application/json"
    )
    with pytest.raises(KeySyncError):
        provider.put("a/k", b"again", mode="create")
    stored = provider.get("a/k")
    assert stored is not None
    assert (stored.data, stored.etag, stored.content_type) == (b"v1", etag, "application/json")
    assert stored.metadata == {"tcm_token": "t1"}
    assert provider.get("a/k", if_none_match=etag) is None
    newer = provider.put("a/k", b"v2", mode=IfMatch(etag), metadata={"tcm_token": "t2"})
    with pytest.raises(KeySyncError):
        provider.put("a/k", b"stale", mode=IfMatch(etag))
    raw = azurite.raw(provider.container).container.get_blob_client("a/k")
    assert raw.download_blob().readall() == b"v2"
    assert raw.get_blob_properties().metadata == {"tcm_token": "t2"}
    assert [(o.name, o.etag) for o in provider.list("a/")] == [("a/k", newer)]
    with pytest.raises(KeySyncError):
        provider.delete("a/k", if_match=etag)
    provider.delete("a/k", if_match=newer)
    with pytest.raises(KeyError):
        provider.get("a/k")


# --- SAS ------------------------------------------------------------------------------------

SasForm = Callable[[Azurite, str], dict[str, Any]]
SAS_FORMS: dict[str, SasForm] = {
    "container SAS as credential=": lambda az, c: {
        "account_url": az.endpoint,
        "credential": _container_sas(c, read=True, write=True, delete=True, list=True),
    },
    "account SAS as AzureSasCredential": lambda az, c: {
        "account_url": az.endpoint,
        "credential": AzureSasCredential(_account_sas()),
    },
    "account SAS in account_url's query": lambda az, c: {
        "account_url": f"{az.endpoint}?{_account_sas()}"
    },
}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("form", list(SAS_FORMS))
def test_sas_credentials(azurite: Azurite, form: str, transport: Transport) -> None:
    container = _fresh_container(azurite)
    config = SAS_FORMS[form](azurite, container)
    provider = AzureBlobProvider(container, transport=transport, **config)
    sas = str(config.get("credential") or config["account_url"].partition("?")[2])
    sas = getattr(config.get("credential"), "signature", sas)
    signature = sas.partition("sig=")[2].split("&")[0]
    assert_clean(repr(provider) + provider.name + provider.endpoint, sas, signature)
    _exercise(provider, azurite)
    provider.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_read_only_sas_refuses_writes_without_leaking(
    azurite: Azurite, transport: Transport
) -> None:
    container = _fresh_container(azurite)
    azurite.raw(container).container.upload_blob("k", b"v")
    sas = _container_sas(container, read=True, list=True)
    provider = AzureBlobProvider(
        container, account_url=azurite.endpoint, credential=sas, transport=transport
    )
    stored = provider.get("k")
    assert stored is not None
    assert stored.data == b"v"
    with pytest.raises(ProviderError) as info:
        provider.put("k", b"w")
    assert "403" in str(info.value) or "AuthorizationPermissionMismatch" in str(info.value)
    assert_clean(chain_texts(info.value), sas, sas.partition("sig=")[2].split("&")[0])
    provider.close()


# --- token credentials ----------------------------------------------------------------------

AUDIENCE = "https://storage.azure.com"


class StaticTokens:
    """An azure-core ``TokenCredential`` issuing unsigned JWTs (what ``--oauth basic`` checks:
    issuer, audience, lifetime); counts its calls."""

    def __init__(self, audience: str = AUDIENCE) -> None:
        self.audience = audience
        self.calls = 0
        self.issued: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        now = int(time.time())
        claims = {
            "aud": self.audience,
            "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
            "oid": f"tcm-{uuid.uuid4().hex}",  # a different token each call
        }
        parts = [{"alg": "RS256", "typ": "JWT"}, claims]
        token = ".".join(
            base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode() for p in parts
        )
        token += ".dW5zaWduZWQ"
        self.issued.append(token)
        return AccessToken(token, now + 3600)


@pytest.fixture(scope="module")
def azurite_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with run_azurite(tmp_path_factory.mktemp("azurite-tls"), tls=True) as azurite:
        yield azurite


@pytest.fixture
def trust_run_cert(azurite_tls: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    assert azurite_tls.ca_file is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", azurite_tls.ca_file)


def _token_provider(
    azurite_tls: Azurite, tokens: StaticTokens, transport: Transport, **options: Any
) -> AzureBlobProvider:
    """A provider on a fresh container of the TLS Azurite, signing with ``tokens``."""
    return AzureBlobProvider(
        _fresh_container(azurite_tls),
        account_url=azurite_tls.endpoint,
        credential=tokens,
        transport=transport,
        obstore_options=TRUST_RUN_CERT,
        **options,
    )


@pytest.mark.usefixtures("trust_run_cert")
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_token_credential_end_to_end(azurite_tls: Azurite, transport: Transport) -> None:
    tokens = StaticTokens()
    provider = _token_provider(azurite_tls, tokens, transport)
    if transport == "obstore":
        from obstore.auth.azure import AzureCredentialProvider

        assert provider._fast is not None
        assert isinstance(provider._fast.store.credential_provider, AzureCredentialProvider)
        provider.put("probe", b"x")  # obstore's request, signed with a token of ours
        assert tokens.calls == 1
        assert provider._clients.peek() is None  # the SDK client was not needed for it
    _exercise(provider, azurite_tls)
    assert tokens.calls >= 1
    assert_clean(repr(provider) + provider.name, *tokens.issued)
    provider.close()


@pytest.mark.usefixtures("trust_run_cert")
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_refused_token_is_a_provider_error_without_the_token(
    azurite_tls: Azurite, transport: Transport
) -> None:
    tokens = StaticTokens(audience="https://not-storage.example")
    provider = _token_provider(azurite_tls, tokens, transport, client_kwargs={"retry_total": 0})
    for attempt in (lambda: provider.put("k", b"v"), lambda: provider.get("k")):
        with pytest.raises(ProviderError) as info:
            attempt()
        assert "401" in str(info.value) or "403" in str(info.value)  # Azurite: 403 for both
        assert_clean(chain_texts(info.value), *tokens.issued)
    assert tokens.issued
    provider.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_token_credential_is_refused_over_plain_http(
    azurite: Azurite, transport: Transport
) -> None:
    """The SDK would refuse at the first request and obstore would send the token in clear:
    both refuse when the provider is made, before any token is asked for."""
    tokens = StaticTokens()
    with pytest.raises(ValueError, match="plain http://") as info:
        AzureBlobProvider(
            "tcm-x", account_url=azurite.endpoint, credential=tokens, transport=transport
        )
    assert tokens.calls == 0
    assert "https://" in str(info.value)
