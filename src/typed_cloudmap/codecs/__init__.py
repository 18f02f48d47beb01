"""Codecs: values to bytes and bytes to bytes, named in stacks such as ``"orjson|zstd"``.

Built-in codecs: serializers ``raw``, ``str``, ``json``, ``orjson``, ``pickle``; transforms
``zlib``, ``zstd``, ``hmac``, ``aesgcm`` (encryption; KEKs from :class:`Keyring`,
:class:`AwsKmsKeyWrapper` or any :class:`KeyWrapper`). More come from :func:`register_codec`
or from plugins in the ``typed_cloudmap.codecs`` entry-point group.
"""

from typed_cloudmap.codecs._aesgcm import AesGcmTransform, kek_id_of
from typed_cloudmap.codecs._base import KeyBoundTransform, Serializer, Transform
from typed_cloudmap.codecs._hmac import HmacTransform, hmac_key_id
from typed_cloudmap.codecs._keyring import EnvKeyring, Keyring, KeyWrapper, generate_key
from typed_cloudmap.codecs._kms import AwsKmsKeyWrapper
from typed_cloudmap.codecs._orjson import OrjsonSerializer
from typed_cloudmap.codecs._registry import available_codecs, get_codec, register_codec
from typed_cloudmap.codecs._stack import CodecStack, parse_stack
from typed_cloudmap.codecs._stdlib import (
    JsonSerializer,
    PickleSerializer,
    RawSerializer,
    StrSerializer,
)
from typed_cloudmap.codecs._zlib import ZlibTransform
from typed_cloudmap.codecs._zstd import ZstdTransform

__all__ = [
    "AesGcmTransform",
    "AwsKmsKeyWrapper",
    "CodecStack",
    "EnvKeyring",
    "HmacTransform",
    "JsonSerializer",
    "KeyBoundTransform",
    "KeyWrapper",
    "Keyring",
    "OrjsonSerializer",
    "PickleSerializer",
    "RawSerializer",
    "Serializer",
    "StrSerializer",
    "Transform",
    "ZlibTransform",
    "ZstdTransform",
    "available_codecs",
    "generate_key",
    "get_codec",
    "hmac_key_id",
    "kek_id_of",
    "parse_stack",
    "register_codec",
]
