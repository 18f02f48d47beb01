"""Secrets never stay in a provider's name or repr, nor anywhere in a ProviderError's chain.

``tests/test_secrets.py`` checks what a user sees of an error (str, repr); these tests also
walk ``__cause__`` and ``__context__`` of every error the library raises, because a traceback
prints each link of the chain, and check that one redaction function serves every provider
and the command line.
"""

from __future__ import annotations

import socket

import pytest

from _leaks import assert_clean, chain_texts
from typed_cloudmap import ProviderError
from typed_cloudmap.providers import _redact, open_url
from typed_cloudmap.providers._redact import redact, redact_url, scrub_chain
from typed_cloudmap.providers._transports import Transport

URL_PASSWORD = "tcmUrlPassw0rdSECRET"
AKID = "AKIATCMUSERINFOKEY01"
URL_SECRET = "tcmUserinfoSecretKey0123"
SAS_SIG = "tcmSasSignatureSECRET0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- the one function --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"http://user:{URL_PASSWORD}@127.0.0.1:9/b/k",
        f"Could not connect to 'https://u:{URL_PASSWORD}@host/x?y=1'",
        f"GET https://acct.blob.core.windows.net/c/k?sv=2023&sig={URL_PASSWORD}&sp=r",
        f"DefaultEndpointsProtocol=http;AccountName=a;AccountKey={URL_PASSWORD};",
        f"orjson|hmac:key={URL_PASSWORD}",
        f"https://storage/x?access_token={URL_PASSWORD}",
    ],
)
def test_redact_masks_every_kind_of_secret(text: str) -> None:
    assert URL_PASSWORD not in redact(text)
    assert "***" in redact(text)


def test_redact_masks_given_secrets_in_every_spelling() -> None:
    secret = "a/b+c=d"
    text = f"raw {secret} quoted a%2Fb%2Bc%3Dd plus a%2Fb%2Bc%3Dd"
    assert "a/b+c" not in redact(text, [secret])
    assert "a%2Fb" not in redact(text, [secret])


def test_redact_keeps_harmless_text() -> None:
    text = "put failed with HTTP 503 SlowDown: please retry (s3://bucket/key)"
    assert redact(text) == text


def test_redact_url_keeps_declared_options_and_masks_the_rest() -> None:
    url = f"s3://{AKID}:{URL_SECRET}@bucket/p?region_name=eu&token={URL_PASSWORD}&codec=orjson"
    shown = redact_url(url)
    assert_clean(shown, AKID, URL_SECRET, URL_PASSWORD)
    for kept in ("region_name=eu", "codec=orjson", "bucket/p"):
        assert kept in shown


def test_secrets_of_url_include_the_password_alone() -> None:
    from typed_cloudmap.providers._redact import secrets_of_url

    found = secrets_of_url(
        f"s3://{AKID}:tcm%2Fsecret%2Bkey@bucket?endpoint_url=http://u:{URL_PASSWORD}@h"
    )
    assert {"tcm/secret+key", "tcm%2Fsecret%2Bkey", URL_PASSWORD} <= found
    assert redact("signing with tcm/secret+key failed", found) == "signing with *** failed"


def test_the_cli_uses_the_providers_redaction() -> None:
    from typed_cloudmap.cli import _errors as _cli_errors

    assert _cli_errors.redact_url is _redact.redact_url
    assert _cli_errors.mask_stack is _redact.mask_stack


def test_scrub_chain_replaces_links_that_carry_a_secret() -> None:
    inner = OSError(f"connect to http://u:{URL_PASSWORD}@h failed")
    try:
        try:
            raise inner
        except OSError as exc:
            raise ProviderError("s3://b", "get failed") from exc
    except ProviderError as exc:
        err = exc
    scrubbed = scrub_chain(err)
    assert scrubbed is err
    assert_clean(chain_texts(scrubbed), URL_PASSWORD)
    assert "OSError" in chain_texts(scrubbed)  # the kind of failure is still told


# --- userinfo in URLs ----------------------------------------------------------------------


def test_s3_url_userinfo_becomes_credentials_not_a_name() -> None:
    provider, prefix, _ = open_url(f"s3://{AKID}:{URL_SECRET}@tcm-bucket/p?region_name=us-east-1")
    try:
        assert provider.name == "s3://tcm-bucket"
        assert prefix == "p"
        assert_clean(repr(provider) + str(provider) + provider.name, AKID, URL_SECRET)
        kwargs = provider._client_kwargs  # type: ignore[attr-defined]  # what boto3 gets
        assert kwargs["aws_access_key_id"] == AKID
        assert kwargs["aws_secret_access_key"] == URL_SECRET
    finally:
        provider.close()


@pytest.mark.parametrize(
    "url", ["gs://{}@tcm-bucket/p", "az://{}@tcm-container/p?account_url=http://127.0.0.1:1/a"]
)
def test_gs_and_az_url_userinfo_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(ValueError, match="withheld") as info:
        open_url(url.format(f"{AKID}:{URL_SECRET}"))
    assert_clean(chain_texts(info.value), AKID, URL_SECRET)


@pytest.mark.parametrize("scheme", ["s3", "gs", "az"])
def test_a_bucket_with_userinfo_is_refused_without_echoing_it(scheme: str) -> None:
    from typed_cloudmap.providers._registry import provider_class

    cls = provider_class(scheme)
    with pytest.raises(ValueError, match=r"not an? .* name") as info:
        cls(f"{AKID}:{URL_SECRET}@bucket")
    assert_clean(chain_texts(info.value), AKID, URL_SECRET)


# --- endpoint passwords in the chains of the errors raised ---------------------------------


def test_s3_endpoint_password_is_not_in_the_chain() -> None:
    from botocore.config import Config

    from typed_cloudmap.providers.s3 import S3Provider

    provider = S3Provider(
        "tcm-secrets",
        endpoint_url=f"http://user:{URL_PASSWORD}@127.0.0.1:{_free_port()}",
        region_name="us-east-1",
        client_kwargs={
            "aws_access_key_id": AKID,
            "aws_secret_access_key": URL_SECRET,
            "config": Config(retries={"max_attempts": 1, "mode": "standard"}),
        },
    )
    for attempt in (lambda: provider.get("k"), lambda: provider.put("k", b"v")):
        with pytest.raises(ProviderError) as info:
            attempt()
        assert_clean(chain_texts(info.value), URL_PASSWORD, URL_SECRET)
    provider.close()


def test_gcs_endpoint_password_is_not_in_the_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.cloud.storage import retry as gcs_retry

    from typed_cloudmap.providers.gcs import GCSProvider

    monkeypatch.setattr(gcs_retry.DEFAULT_RETRY, "_timeout", 0.5)  # nobody listens: fail fast
    provider = GCSProvider(
        "tcm-secrets", endpoint_url=f"http://u:{URL_PASSWORD}@127.0.0.1:{_free_port()}"
    )
    for attempt in (lambda: provider.get("k"), lambda: provider.put("k", b"v")):
        with pytest.raises(ProviderError) as info:
            attempt()
        assert_clean(chain_texts(info.value), URL_PASSWORD)
    provider.close()


@pytest.mark.parametrize("transport", ["sdk", "obstore"])
def test_azure_sas_is_not_in_the_chain(transport: Transport) -> None:
    """A SAS in the URL's query, an endpoint nobody answers: obstore's messages quote the
    request URL, query included, so they must be scrubbed as the SDK's are."""
    from typed_cloudmap.providers.azure import AzureBlobProvider

    url = f"http://127.0.0.1:{_free_port()}/acct?sv=2023-01-03&sp=rwdl&sig={SAS_SIG}"
    provider = AzureBlobProvider(
        "tcm-secrets",
        account_url=url,
        client_kwargs={"retry_total": 0},
        transport=transport,
        obstore_options={"retry_config": {"max_retries": 0}},
    )
    assert_clean(repr(provider) + provider.name + provider.endpoint, SAS_SIG)
    for attempt in (lambda: provider.get("k"), lambda: provider.put("k", b"v")):
        with pytest.raises(ProviderError) as info:
            attempt()
        assert_clean(chain_texts(info.value), SAS_SIG)
    provider.close()


def test_s3_url_credentials_are_not_in_the_chain() -> None:
    """Credentials from the URL's userinfo, an endpoint nobody answers: nothing leaks."""
    url = (
        f"s3://{AKID}:{URL_SECRET}@tcm-secrets?region_name=us-east-1"
        f"&endpoint_url=http://user:{URL_PASSWORD}@127.0.0.1:{_free_port()}"
    )
    provider, _, _ = open_url(url)
    assert_clean(repr(provider) + provider.name, AKID, URL_SECRET, URL_PASSWORD)
    with pytest.raises(ProviderError) as info:
        provider.head("k")
    assert_clean(chain_texts(info.value), URL_SECRET, URL_PASSWORD)
    provider.close()
