"""Typing tests: mypy --strict checks these ``assert_type`` calls (and pytest runs them)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from typing_extensions import assert_type

from typed_cloudmap import CloudMapping, MemoryProvider


class User(BaseModel):
    id: int
    name: str


def test_subscripted_mapping_is_typed() -> None:
    users = CloudMapping[str, User](MemoryProvider(), prefix="users/")
    assert_type(users, CloudMapping[str, User])
    users["alice"] = User(id=1, name="Alice")
    assert_type(users["alice"], User)
    assert_type(users.get("alice"), User | None)
    assert_type(users.modify("alice", lambda u: u.model_copy(update={"id": 2})), User)
    assert_type(users.setdefault("bob", User(id=3, name="Bob")), User)
    assert_type(users.get_many(["alice"]), dict[str, User])
    for key, value in users.items():
        assert_type(key, str)
        assert_type(value, User)


def test_unparameterised_mapping_is_str_to_bytes() -> None:
    raw = CloudMapping(MemoryProvider())
    assert_type(raw, CloudMapping[str, bytes])
    raw["k"] = b"v"
    assert_type(raw["k"], bytes)


def test_keyword_types_infer_parameters() -> None:
    m = CloudMapping(MemoryProvider(), key_type=uuid.UUID, value_type=User)
    assert_type(m, CloudMapping[uuid.UUID, User])


def test_from_url_keeps_parameters() -> None:
    m = CloudMapping[int, User].from_url("memory://")
    assert_type(m, CloudMapping[int, User])


def test_encryption_api_is_typed() -> None:
    from typed_cloudmap.codecs import (
        AesGcmTransform,
        AwsKmsKeyWrapper,
        CodecStack,
        KeyBoundTransform,
        Keyring,
        KeyWrapper,
        Transform,
        generate_key,
        kek_id_of,
    )

    keyring: KeyWrapper = Keyring({"k1": generate_key()}, primary="k1")
    kms: KeyWrapper = AwsKmsKeyWrapper("alias/app")
    assert_type(kms.primary_id, str)
    codec = AesGcmTransform(keyring=keyring)
    as_transform: Transform = codec
    bound: KeyBoundTransform = codec
    assert_type(bound.encode_bound(b"x", key="k", stack="bytes|aesgcm"), bytes)
    stack = CodecStack(["raw", as_transform])
    sealed = stack.encode_bytes(b"v", key="k")
    assert_type(stack.decode_bytes(sealed, key="k"), bytes)
    assert_type(kek_id_of(sealed), str)
