"""Secrets never show (repr, str, errors, the library's logs, the CLI); pickle stays contained.

Each test hands known secrets to the library (keys, secret keys, session tokens, connection
strings, SAS signatures, HMAC keys, URL passwords), makes it talk, fail and print, and
searches every output for every secret. What we promise about SDK loggers (botocore, azure,
google) is in ``docs/guarantees.md``: their DEBUG output is theirs, not covered here.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import traceback
from collections.abc import Iterable
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from typed_cloudmap import CloudMapping, CodecError, MemoryProvider, ProviderError
from typed_cloudmap.cli import app
from typed_cloudmap.codecs import parse_stack
from typed_cloudmap.codecs._hmac import HmacTransform

AKID = "AKIATCMSECRETKEYID01"
SECRET_KEY = "tcmSecretAccessKey/With+Chars=0123456789"
SESSION_TOKEN = "tcmSessionTokenSECRET0123456789abcdef"
URL_PASSWORD = "tcmUrlPassw0rdSECRET"
# A well-formed but wrong account key (Azurite rejects its signatures).
ACCOUNT_KEY = "dGNtV3JvbmdBY2NvdW50S2V5U0VDUkVUMDEyMzQ1Njc4OWFiY2RlZg=="
SAS_SIG = "tcmSasSignatureSECRET0123456789"
HMAC_KEY = "tcm-hmac-key-SECRET-0123456789"


def _exception_texts(exc: BaseException) -> list[str]:
    """What a user may see of an error: str, repr, and the library part of its chain."""
    texts = [str(exc), repr(exc), *(str(a) for a in exc.args)]
    texts.append("".join(traceback.format_exception_only(type(exc), exc)))
    return texts


def assert_clean(texts: Iterable[str], secrets: Iterable[str]) -> None:
    joined = "\n".join(texts)
    for secret in secrets:
        assert secret not in joined, f"secret {secret[:6]}... leaked in:\n{joined[:2000]}"


@pytest.fixture
def library_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record at DEBUG; the tests check the library's own loggers."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _own_log_text(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("typed_cloudmap")]


# --- S3 -----------------------------------------------------------------------------------


def _s3(server: Any, bucket: str, endpoint: str | None = None, **kwargs: Any) -> Any:
    from typed_cloudmap.providers.s3 import S3Provider

    return S3Provider(
        bucket,
        endpoint_url=endpoint or server.url,
        region_name=server.region,
        client_kwargs={
            "aws_access_key_id": AKID,
            "aws_secret_access_key": SECRET_KEY,
            "aws_session_token": SESSION_TOKEN,
        },
        **kwargs,
    )


def test_s3_repr_and_bad_credentials(
    s3_seaweedfs_server: Any, library_logs: pytest.LogCaptureFixture
) -> None:
    """SeaweedFS checks signatures: our wrong keys get 403s, whose errors must stay clean."""
    provider = _s3(s3_seaweedfs_server, "tcm-secrets")
    m = CloudMapping[str, int](provider, sync_initially=False)
    texts = [repr(provider), str(provider), provider.name, repr(m), str(m)]
    errors = []
    for attempt in (
        lambda: m.__setitem__("k", 1),
        lambda: m.sync(),
        lambda: provider.get("k"),
    ):
        with pytest.raises(ProviderError) as info:
            attempt()
        errors.append(info.value)
    for exc in errors:
        texts += _exception_texts(exc)
    assert_clean(texts + _own_log_text(library_logs), [AKID, SECRET_KEY, SESSION_TOKEN])


def test_s3_endpoint_password_never_shows(s3_moto_server: Any) -> None:
    """A password in ``endpoint_url`` stays out of repr and of connection errors."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    endpoint = f"http://user:{URL_PASSWORD}@127.0.0.1:{port}"
    provider = _s3(s3_moto_server, "tcm-secrets", endpoint=endpoint)
    m = CloudMapping[str, int](provider, sync_initially=False)
    texts = [repr(provider), repr(m)]
    with pytest.raises(ProviderError) as info:
        m["k"] = 1
    texts += _exception_texts(info.value)
    assert_clean(texts, [URL_PASSWORD])


# --- Azure --------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["sdk", "obstore"])
def test_azure_bad_account_key_and_sas(
    azurite: Any, library_logs: pytest.LogCaptureFixture, transport: Any
) -> None:
    from azure.core.credentials import AzureSasCredential

    from typed_cloudmap.providers.azure import AzureBlobProvider

    bad = azurite.connection_string.split("AccountKey=")[0] + (
        f"AccountKey={ACCOUNT_KEY};BlobEndpoint={azurite.endpoint};"
    )
    by_key = AzureBlobProvider("tcm-secrets", connection_string=bad, transport=transport)
    sas = f"sv=2023-01-03&ss=b&srt=co&sp=rwdl&sig={SAS_SIG}"
    by_sas = AzureBlobProvider(
        "tcm-secrets", account_url=f"{azurite.endpoint}?{sas}", transport=transport
    )
    by_credential = AzureBlobProvider(
        "tcm-secrets", account_url=azurite.endpoint, credential=ACCOUNT_KEY, transport=transport
    )
    by_sas_credential = AzureBlobProvider(
        "tcm-secrets",
        account_url=azurite.endpoint,
        credential=AzureSasCredential(sas),
        transport=transport,
    )
    texts: list[str] = []
    for provider in (by_key, by_sas, by_credential, by_sas_credential):
        m = CloudMapping[str, int](provider, sync_initially=False)
        texts += [repr(provider), str(provider), provider.name, repr(m)]
        with pytest.raises(ProviderError) as info:
            m["k"] = 1
        texts += _exception_texts(info.value)
        with pytest.raises(ProviderError) as info:
            m.sync()
        texts += _exception_texts(info.value)
    assert_clean(texts + _own_log_text(library_logs), [ACCOUNT_KEY, SAS_SIG])


# --- GCS ----------------------------------------------------------------------------------


def test_gcs_endpoint_password_never_shows() -> None:
    import socket

    from typed_cloudmap.providers.gcs import GCSProvider

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = GCSProvider("tcm-secrets", endpoint_url=f"http://u:{URL_PASSWORD}@127.0.0.1:{port}")
    m = CloudMapping[str, int](provider, sync_initially=False)
    texts = [repr(provider), repr(m)]
    with pytest.MonkeyPatch.context() as mp:
        from google.cloud.storage import retry as gcs_retry

        mp.setattr(gcs_retry.DEFAULT_RETRY, "_timeout", 0.5)  # fail fast: nobody listens
        with pytest.raises(ProviderError) as info:
            m["k"] = 1
    texts += _exception_texts(info.value)
    assert_clean(texts, [URL_PASSWORD])


# --- codecs -------------------------------------------------------------------------------


def test_hmac_key_never_shows(tmp_path: Any) -> None:
    from typed_cloudmap import LocalProvider

    stack = parse_stack(["orjson", HmacTransform(key=HMAC_KEY)])
    m = CloudMapping[str, int](LocalProvider(tmp_path), codec=stack)
    m["k"] = 1
    (tmp_path / "k").write_bytes(b"tampered")  # whatever the layout, make one object bad
    other = CloudMapping[str, int](
        LocalProvider(tmp_path), codec="orjson|hmac:key=other-key-0123456789"
    )
    texts = [repr(m), m.codec.name, repr(m.codec), str(m.codec), repr(stack)]
    for reader in (m, other):
        try:
            reader["k"]
        except Exception as exc:  # any error text is what we search
            texts += _exception_texts(exc)
    assert_clean(texts, [HMAC_KEY])


# --- CLI ----------------------------------------------------------------------------------


def test_cli_ls_and_get_never_print_url_secrets(
    s3_moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL carrying a password and a secret-looking option, on success and on failure."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    provider = _s3(s3_moto_server, "tcm-cli-secrets", create=True)
    CloudMapping[str, int](provider)["k"] = 1
    host = s3_moto_server.url.split("//", 1)[1]
    endpoint = f"http://user:{URL_PASSWORD}@{host}"
    good = f"s3://tcm-cli-secrets/?endpoint_url={endpoint}"
    with_junk = f"s3://tcm-cli-secrets/?endpoint_url={endpoint}&token={SAS_SIG}"
    missing = f"s3://tcm-no-such-bucket/?endpoint_url={endpoint}"
    runner = CliRunner()
    outputs = []
    for args in (
        ["ls", good],
        ["get", good, "k"],
        ["get", good, "absent"],
        ["ls", with_junk],
        ["ls", missing],
        ["--debug", "get", missing, "k"],
    ):
        result = runner.invoke(app, args)
        outputs += [result.output, str(result.exception or "")]
        outputs.append(getattr(result, "stderr", "") if result.stderr_bytes is not None else "")
    assert "k" in outputs[0]
    assert_clean(outputs, [URL_PASSWORD, SAS_SIG, SECRET_KEY, SESSION_TOKEN, AKID])


def test_cli_azure_connection_string_from_environment(
    azurite: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = azurite.connection_string.split("AccountKey=")[0] + (
        f"AccountKey={ACCOUNT_KEY};BlobEndpoint={azurite.endpoint};"
    )
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", bad)
    runner = CliRunner()
    outputs = []
    for args in (["ls", "az://tcm-secrets"], ["--debug", "get", "az://tcm-secrets", "k"]):
        result = runner.invoke(app, args)
        assert result.exit_code != 0
        outputs += [result.output, str(result.exception or "")]
    assert_clean(outputs, [ACCOUNT_KEY])


# --- pickle: only where the stack names it, and never for a forged object -----------------


class _Touch:
    """Unpickling this creates ``path``: proof that a payload was (or was not) unpickled."""

    def __init__(self, path: Any) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.path),))


class _Model(BaseModel):
    id: int


@pytest.mark.parametrize(
    "value_type",
    [bytes, str, int, float, dict[str, int], list[str], _Model, list[_Model], datetime.date],
)
def test_pickle_is_never_a_default(value_type: Any) -> None:
    m = CloudMapping(MemoryProvider(), key_type=str, value_type=value_type)
    assert "pickle" not in m.codec.name
    assert m.codec.serializer.format != "pickle"


def test_hmac_must_follow_the_serializer() -> None:
    """``hmac|pickle`` is refused: the serializer comes first, transforms after it."""
    with pytest.raises(CodecError):
        parse_stack(["hmac", "pickle"])
    assert parse_stack(["pickle", HmacTransform(key=HMAC_KEY)]).serializer.format == "pickle"


def test_forged_pickle_is_refused_before_unpickling(tmp_path: Any) -> None:
    import pickle

    provider = MemoryProvider()
    signed = parse_stack(["pickle", HmacTransform(key=HMAC_KEY)])
    m = CloudMapping[str, dict[str, int]](provider, codec=signed)
    m["k"] = {"a": 1}
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Touch(marker))
    stored = provider.get("k")
    assert stored is not None
    # forged: the payload with the old tag, and with a tag made under another key
    other = HmacTransform(key="attacker-key-0123456789").encode(evil)
    for forged in (evil + stored.data[-32:], other, evil):
        provider.put("k", forged, metadata=dict(stored.metadata))
        with pytest.raises(CodecError):
            CloudMapping[str, dict[str, int]](provider, codec=signed)["k"]
        assert not marker.exists()
    # a reader whose stack does not name pickle never unpickles, whatever metadata says
    provider.put("k", evil, metadata={"tcm_codec": "pickle"})
    with pytest.raises(CodecError):
        CloudMapping[str, dict[str, int]](provider)["k"]
    assert not marker.exists()
    # and the payload is live: a bare "pickle" stack (trusting the store) runs it
    with contextlib.suppress(CodecError):
        CloudMapping[str, dict[str, int]](provider, codec="pickle")["k"]
    assert marker.exists()


# --- aesgcm -------------------------------------------------------------------------------

AES_KEY = "dGNtLWFlcy1rZWstU0VDUkVULTAxMjM0NTY3ODlhYmM="  # base64 of 32 bytes
AES_OLD = "dGNtLWFlcy1vbGQtU0VDUkVULTAxMjM0NTY3ODlhYmM="


def test_aesgcm_keys_never_show(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, library_logs: pytest.LogCaptureFixture
) -> None:
    """KEKs stay out of names, reprs, errors, own logs, CLI output and env-stack pickles."""
    import base64
    import pickle

    from typed_cloudmap import LocalProvider
    from typed_cloudmap.codecs import AesGcmTransform, Keyring

    secrets = [AES_KEY, AES_OLD, *(str(base64.b64decode(k)) for k in (AES_KEY, AES_OLD))]
    secrets += [base64.b64decode(k).decode() for k in (AES_KEY, AES_OLD)]
    monkeypatch.setenv("TCM_SECRET_AES", f"{AES_KEY},{AES_OLD}")
    stack = "orjson|aesgcm:env=TCM_SECRET_AES"
    m = CloudMapping[str, dict[str, int]](LocalProvider(tmp_path / "s"), codec=stack)
    m["a"] = {"n": 1}
    keyring = Keyring({"new": AES_KEY, "old": AES_OLD}, primary="new")
    by_ring = parse_stack(["orjson", AesGcmTransform(keyring=keyring)])
    texts = [repr(m), repr(m.codec), str(m.codec), repr(keyring), repr(by_ring), by_ring.name]
    texts.append(pickle.dumps(m).decode("latin-1"))
    with pytest.raises(pickle.PicklingError) as refused:
        pickle.dumps(by_ring)
    texts += _exception_texts(refused.value)
    stored = m.provider.get("a")
    assert stored is not None
    m.provider.put("a", stored.data[:-1] + b"\x00", metadata=dict(stored.metadata))
    m.sync()
    with pytest.raises(CodecError) as tampered:
        m["a"]
    texts += _exception_texts(tampered.value)
    url = f"file://{tmp_path / 's'}"
    runner = CliRunner()
    for args in (["get", url, "a", "--codec", stack], ["rekey", url, "--codec", stack]):
        texts.append(runner.invoke(app, args).output)
    monkeypatch.setenv("TCM_SECRET_AES", "not-a-key-but-a-SECRET-guess")
    texts.append(runner.invoke(app, ["get", url, "a", "--codec", stack]).output)
    texts += _own_log_text(library_logs)
    assert_clean(texts, [*secrets, "not-a-key-but-a-SECRET-guess"])
