"""``AwsKmsKeyWrapper``: data keys wrapped by AWS KMS (``Encrypt``/``Decrypt``), via boto3.

The KEK never leaves KMS: each write makes one ``Encrypt`` call for its fresh data key, and a
read makes one ``Decrypt`` call unless the unwrapped data key is still in the ``aesgcm``
codec's bounded cache. The KEK id stored with each object is the key id given here (a key
id, ARN or alias), and ``Decrypt`` is asked to use exactly that key. boto3's own
configuration (credentials, region, ``AWS_ENDPOINT_URL_KMS``) applies unless overridden.
botocore's DEBUG records of these calls (their bodies hold the data key) are dropped.
"""

from __future__ import annotations

import logging
import pickle
import threading
from typing import Any

from typed_cloudmap.codecs._keyring import KEY_BYTES, check_kek_id
from typed_cloudmap.errors import CodecError, MissingDependencyError, ProviderError

__all__ = ["AwsKmsKeyWrapper"]

# Bound by KMS to every data key we wrap (and shown in CloudTrail): a KMS ciphertext made by
# another application under the same key does not unwrap as one of ours.
_CONTEXT = {"typed-cloudmap": "aesgcm-data-key-v1"}

# KMS error codes that mean "this KEK cannot unwrap this data key", not a service failure.
_REFUSALS = frozenset(
    {
        "InvalidCiphertextException",
        "IncorrectKeyException",
        "NotFoundException",
        "DisabledException",
        "KMSInvalidStateException",
        "InvalidKeyUsageException",
        "AccessDeniedException",
    }
)


# botocore logs request and response bodies at DEBUG; for Encrypt and Decrypt those hold the
# data key. Records those loggers emit on a thread inside one of our KMS calls are dropped.
_BODY_LOGGERS = ("botocore.endpoint", "botocore.parsers", "botocore.hooks", "botocore.retryhandler")
_inside = threading.local()
_filter_lock = threading.Lock()
_filter_installed = False


class _HideKmsBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_inside, "kms", False)


def _install_filter() -> None:
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            for name in _BODY_LOGGERS:
                logging.getLogger(name).addFilter(_HideKmsBodies())
            _filter_installed = True


class AwsKmsKeyWrapper:
    """Wrap data keys with the AWS KMS key ``key_id``; unwrap with the key each object names.

    ``client`` is a boto3 KMS client (made from ``region_name``/``endpoint_url`` and boto3's
    default configuration when not given). ``calls`` counts the KMS requests made, for
    measuring. A wrapper made without ``client`` pickles as its settings (no key material
    exists here: KMS keeps the KEK); one with a client of its own refuses, since a client
    cannot be pickled and silently swapping it for a default one could reach another account.
    """

    __slots__ = ("_client", "_endpoint_url", "_given_client", "_lock", "_region", "calls", "key_id")

    def __init__(
        self,
        key_id: str,
        *,
        client: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.key_id = check_kek_id(key_id)
        self._client = client
        self._given_client = client is not None
        self._region = region_name
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def primary_id(self) -> str:
        return self.key_id

    def _kms(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    import boto3
                except ImportError as exc:
                    raise MissingDependencyError("boto3", "s3") from exc
                self._client = boto3.client(
                    "kms", region_name=self._region, endpoint_url=self._endpoint_url
                )
            self.calls += 1
            return self._client

    def _call(self, operation: str, kek_id: str, **kwargs: Any) -> dict[str, Any]:
        kms = self._kms()
        _install_filter()
        _inside.kms = True
        try:
            result: dict[str, Any] = getattr(kms, operation)(KeyId=kek_id, **kwargs)
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in _REFUSALS:
                raise CodecError(
                    f"aesgcm: AWS KMS refused to {operation} the data key under KEK "
                    f"{kek_id!r} ({code})"
                ) from exc
            raise ProviderError(
                "aws-kms", f"{operation} under KEK {kek_id!r} failed: {type(exc).__name__}"
            ) from exc
        finally:
            _inside.kms = False
        return result

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        result = self._call("encrypt", self.key_id, Plaintext=data_key, EncryptionContext=_CONTEXT)
        return self.key_id, bytes(result["CiphertextBlob"])

    def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        result = self._call("decrypt", kek_id, CiphertextBlob=wrapped, EncryptionContext=_CONTEXT)
        data_key = bytes(result["Plaintext"])
        if len(data_key) != KEY_BYTES:
            raise CodecError(f"aesgcm: the data key under KEK {kek_id!r} has the wrong size")
        return data_key

    def __reduce__(self) -> tuple[Any, ...]:
        if self._given_client:
            raise pickle.PicklingError(
                "an AwsKmsKeyWrapper made with client= cannot be pickled; pass region_name= "
                "and endpoint_url= (or rely on boto3's configuration) to ship it to workers"
            )
        return (_make_wrapper, (self.key_id, self._region, self._endpoint_url))

    def __repr__(self) -> str:
        return f"AwsKmsKeyWrapper({self.key_id!r})"


def _make_wrapper(key_id: str, region: str | None, endpoint: str | None) -> AwsKmsKeyWrapper:
    return AwsKmsKeyWrapper(key_id, region_name=region, endpoint_url=endpoint)
