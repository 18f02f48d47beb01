"""aesgcm with AWS KMS as the KEK, on moto_server's KMS: calls per write and per cached read."""

from __future__ import annotations

import pickle
from typing import Any

import boto3
import pytest

from emulators._s3 import S3Endpoint
from typed_cloudmap import CloudMapping, CodecError, MemoryProvider
from typed_cloudmap.codecs import AesGcmTransform, AwsKmsKeyWrapper, CodecStack, kek_id_of


@pytest.fixture
def kms(s3_moto_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A KMS client on moto_server; boto3's default chain picks up these dummy credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_moto_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_moto_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_moto_server.region)
    return boto3.client("kms", endpoint_url=s3_moto_server.url)


def _new_key(kms: Any) -> str:
    key_id: str = kms.create_key(Description="typed-cloudmap test KEK")["KeyMetadata"]["KeyId"]
    return key_id


def _wrapper(endpoint: S3Endpoint, key_id: str) -> AwsKmsKeyWrapper:
    return AwsKmsKeyWrapper(key_id, region_name=endpoint.region, endpoint_url=endpoint.url)


def test_kms_round_trip_and_calls(kms: Any, s3_moto_server: S3Endpoint) -> None:
    key_id = _new_key(kms)
    writer_kms = _wrapper(s3_moto_server, key_id)
    store = MemoryProvider()
    codec = CodecStack(["orjson", "zstd", AesGcmTransform(keyring=writer_kms)])
    assert codec.name == f"orjson|zstd|aesgcm:kms={key_id}"
    writer = CloudMapping[str, dict](store, codec=codec)
    writer["a"] = {"secret": "kms-protected-value"}
    assert writer_kms.calls == 1  # one Encrypt per write
    assert writer["a"] == {"secret": "kms-protected-value"}
    assert writer_kms.calls == 1  # the data key of our own write is cached
    stored = store.get("a")
    assert stored is not None
    assert b"kms-protected" not in stored.data
    assert kek_id_of(stored.data) == key_id

    reader_kms = _wrapper(s3_moto_server, key_id)
    reader = CloudMapping[str, dict](
        store, codec=CodecStack(["orjson", "zstd", AesGcmTransform(keyring=reader_kms)])
    )
    for _ in range(3):
        assert reader["a"] == {"secret": "kms-protected-value"}
    assert reader_kms.calls == 1  # one Decrypt, then cached reads

    uncached = CodecStack(["orjson", "zstd", AesGcmTransform(keyring=reader_kms, cache_size=0)])
    cold = CloudMapping[str, dict](store, codec=uncached)
    cold["a"]
    cold["a"]
    assert reader_kms.calls == 3  # no cache: one Decrypt per read


def test_kms_from_a_string_and_pickled(kms: Any, s3_moto_server: S3Endpoint) -> None:
    key_id = _new_key(kms)
    wrapper = _wrapper(s3_moto_server, key_id)
    stack = CodecStack(["raw", AesGcmTransform(keyring=wrapper)])
    sealed = stack.encode_bytes(b"v", key="k")
    again = pickle.loads(pickle.dumps(stack))
    assert again.decode_bytes(sealed, key="k") == b"v"


def test_kms_rotation_and_refusals(kms: Any, s3_moto_server: S3Endpoint) -> None:
    old_id, new_id = _new_key(kms), _new_key(kms)
    old = CodecStack(["raw", AesGcmTransform(keyring=_wrapper(s3_moto_server, old_id))])
    new = CodecStack(["raw", AesGcmTransform(keyring=_wrapper(s3_moto_server, new_id))])
    before = old.encode_bytes(b"secret", key="k")
    # Any wrapper unwraps with the KEK each object names (if KMS lets the caller use it).
    assert new.decode_bytes(before, key="k") == b"secret"
    assert kek_id_of(new.encode_bytes(b"secret", key="k")) == new_id
    transform = new.transforms[0]
    assert isinstance(transform, AesGcmTransform)
    assert transform.rewrap_needed(before)

    # The header names another KEK (same length): KMS refuses to unwrap with it.
    relabelled = before.replace(old_id.encode(), new_id.encode(), 1)
    fresh = CodecStack(["raw", AesGcmTransform(keyring=_wrapper(s3_moto_server, new_id))])
    with pytest.raises(CodecError, match=f"refused to decrypt the data key under KEK '{new_id}'"):
        fresh.decode_bytes(relabelled, key="k")

    sealed = new.encode_bytes(b"secret", key="k")
    damaged = bytearray(sealed)
    damaged[len(sealed) // 3] ^= 1  # inside the wrapped data key (a KMS ciphertext blob)
    fresh = CodecStack(["raw", AesGcmTransform(keyring=_wrapper(s3_moto_server, new_id))])
    with pytest.raises(CodecError):
        fresh.decode_bytes(bytes(damaged), key="k")


def test_kms_unreachable_is_a_provider_error() -> None:
    from botocore.config import Config

    from typed_cloudmap.errors import ProviderError

    client = boto3.client(
        "kms",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    stack = CodecStack(["raw", AesGcmTransform(keyring=AwsKmsKeyWrapper("alias/k", client=client))])
    with pytest.raises(ProviderError, match="aws-kms: encrypt under KEK 'alias/k' failed"):
        stack.encode_bytes(b"v", key="k")


def test_data_keys_never_reach_botocore_debug_logs(
    kms: Any, s3_moto_server: S3Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    import base64
    import logging

    from typed_cloudmap.codecs import _aesgcm_format as fmt

    key_id = _new_key(kms)
    wrapper = _wrapper(s3_moto_server, key_id)
    stack = CodecStack(["raw", AesGcmTransform(keyring=wrapper, cache_size=0)])
    with caplog.at_level(logging.DEBUG):
        sealed = stack.encode_bytes(b"logged?", key="k")
        assert stack.decode_bytes(sealed, key="k") == b"logged?"
        kms.list_keys()  # other botocore calls still log their bodies
    envelope = fmt.parse(sealed)
    data_key = wrapper.unwrap(envelope.kek_id, envelope.wrapped)
    text = caplog.text
    assert "ListKeys" in text or "list_keys" in text.lower()
    assert base64.b64encode(data_key).decode() not in text
    assert repr(data_key) not in text


def test_kms_wrapped_keys_are_bound_to_our_encryption_context(
    kms: Any, s3_moto_server: S3Endpoint
) -> None:
    from typed_cloudmap.codecs import _aesgcm_format as fmt

    key_id = _new_key(kms)
    stack = CodecStack(["raw", AesGcmTransform(keyring=_wrapper(s3_moto_server, key_id))])
    envelope = fmt.parse(stack.encode_bytes(b"ours", key="k"))
    with pytest.raises(Exception, match="InvalidCiphertext"):
        kms.decrypt(KeyId=key_id, CiphertextBlob=envelope.wrapped)  # without our context
