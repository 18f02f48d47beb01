"""The aesgcm transform: envelope format, tamper detection, key binding, keyrings, pickling."""

from __future__ import annotations

import base64
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typed_cloudmap.codecs import (
    AesGcmTransform,
    AwsKmsKeyWrapper,
    CodecStack,
    EnvKeyring,
    Keyring,
    generate_key,
    get_codec,
    kek_id_of,
)
from typed_cloudmap.codecs import _aesgcm_format as fmt
from typed_cloudmap.codecs._keyring import DEFAULT_ENV, kek_fingerprint
from typed_cloudmap.errors import CodecError

KEY1 = b"\x01" * 16 + b"first-kek-bytes!"
KEY2 = b"\x02" * 16 + b"second-kek-byte!"
PLAIN = b'{"secret":"the plaintext value, long enough to spot"}'


def ring(*ids: str, primary: str | None = None) -> Keyring:
    keys = {"k1": KEY1, "k2": KEY2}
    return Keyring({i: keys[i] for i in ids}, primary=primary or ids[-1])


def stack_of(keyring: Keyring | None = None, serializer: str = "raw") -> CodecStack:
    return CodecStack([serializer, AesGcmTransform(keyring=keyring or ring("k1"))])


def test_round_trip_and_format() -> None:
    stack = stack_of()
    sealed = stack.encode_bytes(PLAIN, key="user/1")
    assert stack.decode_bytes(sealed, key="user/1") == PLAIN
    assert sealed.startswith(fmt.MAGIC + bytes((fmt.VERSION, 2)) + b"k1")
    assert kek_id_of(sealed) == "k1"
    assert stack.name == "raw|aesgcm:kek=k1"
    assert stack.content_encoding is None
    assert stack.binding == "bytes|aesgcm"
    assert stack.decode_bytes(stack.encode_bytes(b"", key="e"), key="e") == b""


def test_no_plaintext_stored_and_two_writes_differ() -> None:
    stack = stack_of()
    one, two = (stack.encode_bytes(PLAIN, key="k") for _ in range(2))
    assert one != two
    for sealed in (one, two):
        assert b"plaintext" not in sealed
        assert b"secret" not in sealed
        assert KEY1 not in sealed


def test_nonces_and_data_keys_are_unique_over_100k_encryptions() -> None:
    codec = AesGcmTransform(keyring=ring("k1"))
    nonces: set[bytes] = set()
    wrapped: set[bytes] = set()
    count = 100_000
    for _ in range(count):
        envelope = fmt.parse(codec.encode_bound(b"x", key="k", stack="bytes|aesgcm"))
        nonces.add(envelope.nonce)
        wrapped.add(envelope.wrapped)
    assert len(nonces) == count
    assert len(wrapped) == count


def _regions(sealed: bytes) -> dict[str, range]:
    env = fmt.parse(sealed)
    kid_end = 6 + len(env.kek_id)
    nonce_at = len(env.header)
    tag_at = len(sealed) - fmt.TAG_BYTES
    return {
        "magic+version": range(0, 6),
        "kek id": range(6, kid_end),
        "wrapped key length": range(kid_end, kid_end + 2),
        "wrapped key": range(kid_end + 2, nonce_at),
        "nonce": range(nonce_at, nonce_at + fmt.NONCE_BYTES),
        "ciphertext": range(nonce_at + fmt.NONCE_BYTES, tag_at),
        "tag": range(tag_at, len(sealed)),
    }


@pytest.mark.parametrize(
    "region",
    ["magic+version", "kek id", "wrapped key length", "wrapped key", "nonce", "ciphertext", "tag"],
)
def test_every_single_byte_change_is_detected(region: str) -> None:
    stack = stack_of(ring("k1", "k2", primary="k1"))
    sealed = stack.encode_bytes(PLAIN, key="user/1")
    positions = _regions(sealed)[region]
    assert len(positions) > 0
    for position in positions:
        for xor in (0x01, 0x80, 0xFF):
            damaged = bytearray(sealed)
            damaged[position] ^= xor
            with pytest.raises(CodecError, match="aesgcm"):
                stack.decode_bytes(bytes(damaged), key="user/1")


def test_truncated_and_extended_objects_are_refused() -> None:
    stack = stack_of()
    sealed = stack.encode_bytes(PLAIN, key="a")
    for cut in range(len(sealed)):
        with pytest.raises(CodecError):
            stack.decode_bytes(sealed[:cut], key="a")
    with pytest.raises(CodecError):
        stack.decode_bytes(sealed + b"\x00", key="a")


def test_bound_to_the_key_and_the_stack() -> None:
    keyring = ring("k1")
    sealed = stack_of(keyring).encode_bytes(PLAIN, key="alice")
    with pytest.raises(CodecError, match=r"moved here from another key.*'k1'|'k1'.*moved"):
        stack_of(keyring).decode_bytes(sealed, key="bob")
    with pytest.raises(CodecError, match="another codec stack"):
        stack_of(keyring, "str").decode_bytes(sealed, key="alice")
    # Serializers of one format and transform parameters do not change what is bound.
    json_sealed = stack_of(keyring, "json").encode_bytes(b"{}", key="alice")
    assert stack_of(keyring, "orjson").decode_bytes(json_sealed, key="alice") == b"{}"


def test_needs_the_key() -> None:
    stack = stack_of()
    with pytest.raises(CodecError, match="needs the key"):
        stack.encode_bytes(PLAIN)
    with pytest.raises(CodecError, match="needs the key"):
        stack.decode_bytes(stack.encode_bytes(PLAIN, key="k"))
    assert stack.binds_key
    assert not CodecStack("orjson|zstd").binds_key


def test_limit() -> None:
    stack = stack_of()
    sealed = stack.encode_bytes(b"abcd", key="k")
    assert stack.decode_bytes(sealed, key="k", limit=4) == b"abcd"
    with pytest.raises(CodecError, match="limit"):
        stack.decode_bytes(sealed, key="k", limit=3)


def test_wrong_and_unknown_kek() -> None:
    sealed = stack_of(ring("k1")).encode_bytes(PLAIN, key="k")
    impostor = Keyring({"k1": KEY2}, primary="k1")  # same id, another key
    with pytest.raises(CodecError, match="does not unwrap under KEK 'k1'"):
        stack_of(impostor).decode_bytes(sealed, key="k")
    with pytest.raises(CodecError, match="KEK 'k1' is not in the keyring"):
        stack_of(ring("k2")).decode_bytes(sealed, key="k")


def test_rotation_with_a_keyring() -> None:
    old = stack_of(ring("k1"))
    before = old.encode_bytes(PLAIN, key="k")
    both = stack_of(ring("k1", "k2", primary="k2"))  # k2 added and promoted
    assert both.decode_bytes(before, key="k") == PLAIN
    after = both.encode_bytes(PLAIN, key="k")
    assert kek_id_of(after) == "k2"
    assert stack_of(ring("k2")).decode_bytes(after, key="k") == PLAIN  # k1 dropped
    codec = both.transforms[0]
    assert isinstance(codec, AesGcmTransform)
    assert codec.rewrap_needed(before)
    assert not codec.rewrap_needed(after)
    promoted = ring("k1", "k2", primary="k1").with_primary("k2")
    assert promoted.primary_id == "k2"


def test_env_keys_rotation_and_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    new, old = generate_key(), generate_key()
    monkeypatch.delenv("TCM_TEST_AES", raising=False)
    codec = get_codec("aesgcm:env=TCM_TEST_AES")  # building needs no key yet
    stack = CodecStack(["raw", codec])
    assert stack.name == "raw|aesgcm:env=TCM_TEST_AES"
    with pytest.raises(CodecError, match="TCM_TEST_AES is not set"):
        stack.encode_bytes(PLAIN, key="k")
    monkeypatch.setenv("TCM_TEST_AES", old)
    before = stack.encode_bytes(PLAIN, key="k")
    assert kek_id_of(before) == kek_fingerprint(base64.b64decode(old))
    monkeypatch.setenv("TCM_TEST_AES", f"{new}, {old}")  # the new key first: the primary
    assert stack.decode_bytes(before, key="k") == PLAIN
    after = stack.encode_bytes(PLAIN, key="k")
    assert kek_id_of(after) == kek_fingerprint(base64.b64decode(new))
    monkeypatch.setenv("TCM_TEST_AES", new)
    assert stack.decode_bytes(after, key="k") == PLAIN
    with pytest.raises(CodecError, match="not in the keyring"):
        stack.decode_bytes(before, key="k")
    monkeypatch.setenv("TCM_TEST_AES", "not base64 at all!")
    with pytest.raises(CodecError, match="entry #1 of TCM_TEST_AES"):
        stack.decode_bytes(after, key="k")


def test_default_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEFAULT_ENV, generate_key())
    codec = get_codec("aesgcm")
    assert codec.name == f"aesgcm:env={DEFAULT_ENV}"
    assert get_codec(codec.name).name == codec.name


def test_bad_parameters() -> None:
    with pytest.raises(CodecError, match="one of"):
        get_codec("aesgcm:env=A", keyring=ring("k1"))
    with pytest.raises(CodecError, match="kek= only names"):
        get_codec("aesgcm:kek=k1")
    with pytest.raises(CodecError, match="primary KEK is not"):
        get_codec("aesgcm:kek=k2", keyring=ring("k1"))
    assert get_codec("aesgcm:kek=k1", keyring=ring("k1")).name == "aesgcm:kek=k1"
    with pytest.raises(CodecError, match="env must name"):
        get_codec("aesgcm:env=1bad")
    with pytest.raises(CodecError):
        get_codec("aesgcm:cache_size=-1")
    with pytest.raises(CodecError, match="keyring= takes"):
        AesGcmTransform(keyring="k1")
    with pytest.raises(CodecError, match="not an AES-256 key"):
        Keyring({"k1": b"short"}, primary="k1")
    with pytest.raises(CodecError, match="primary KEK 'k3'"):
        Keyring({"k1": KEY1}, primary="k3")
    with pytest.raises(CodecError, match="KEK id"):
        Keyring({"bad id": KEY1}, primary="bad id")
    assert Keyring({"b64": base64.b64encode(KEY1).decode()}, primary="b64").ids == ("b64",)


def test_pickling(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    monkeypatch.setenv("TCM_PICKLE_AES", key)
    env_stack = CodecStack("orjson|zstd|aesgcm:env=TCM_PICKLE_AES")
    blob = pickle.dumps(env_stack)
    assert key.encode() not in blob
    assert base64.b64decode(key) not in blob
    again = pickle.loads(blob)
    assert again == env_stack
    assert again.decode_bytes(env_stack.encode_bytes(b"{}", key="k"), key="k") == b"{}"
    monkeypatch.delenv("TCM_PICKLE_AES")
    assert pickle.loads(blob) == env_stack  # unpickling needs no key; using it does

    with pytest.raises(pickle.PicklingError, match="refuses to be pickled"):
        pickle.dumps(stack_of(ring("k1")))
    shippable = Keyring({"k1": KEY1}, primary="k1", picklable=True)
    copied = pickle.loads(pickle.dumps(stack_of(shippable)))
    assert copied.decode_bytes(stack_of(shippable).encode_bytes(b"v", key="k"), key="k") == b"v"

    kms = pickle.loads(pickle.dumps(AesGcmTransform(kms="alias/tcm")))
    assert kms.name == "aesgcm:kms=alias/tcm"
    assert isinstance(kms.keyring, AwsKmsKeyWrapper)
    with pytest.raises(pickle.PicklingError, match="client="):
        pickle.dumps(AwsKmsKeyWrapper("alias/tcm", client=object()))


def test_key_material_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    monkeypatch.setenv("TCM_SHOW_AES", key)
    keyring = ring("k1", "k2")
    codecs = [get_codec("aesgcm:env=TCM_SHOW_AES"), AesGcmTransform(keyring=keyring)]
    texts = [repr(keyring), str(keyring), repr(EnvKeyring("TCM_SHOW_AES"))]
    for codec in codecs:
        stack = CodecStack(["orjson", codec])
        texts += [codec.name, repr(codec), str(codec), stack.name, repr(stack), str(stack)]
        sealed = stack.encode_bytes(b"{}", key="k")
        for bad in (b"", sealed[:-1], sealed[:30] + b"\x00" + sealed[31:]):
            with pytest.raises(CodecError) as info:
                stack.decode_bytes(bad, key="k")
            texts.append(str(info.value))
    for bad_key in (b"x" * 31, "A" * 43):
        with pytest.raises(CodecError) as info:
            Keyring({"k": bad_key}, primary="k")
        texts.append(str(info.value))
    secrets = [key, base64.b64encode(KEY1).decode(), base64.b64encode(KEY2).decode()]
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "first-kek" not in text
        assert "second-kek" not in text


# --- properties ---------------------------------------------------------------------------

_props = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_keys = st.text(max_size=40)  # any str, lone surrogates included


@_props
@given(data=st.binary(max_size=4096), key=_keys, middle=st.sampled_from([[], ["zstd"], ["zlib"]]))
def test_any_bytes_and_key_round_trip(data: bytes, key: str, middle: list[str]) -> None:
    stack = CodecStack(["raw", *middle, AesGcmTransform(keyring=ring("k1"))])
    assert stack.decode_bytes(stack.encode_bytes(data, key=key), key=key, limit=len(data)) == data


@_props
@given(data=st.binary(max_size=600), key=_keys)
def test_random_bytes_only_ever_raise_codec_error(data: bytes, key: str) -> None:
    codec = AesGcmTransform(keyring=ring("k1", "k2"))
    for candidate in (data, fmt.MAGIC + data, fmt.MAGIC + b"\x01\x02k1" + data):
        with pytest.raises(CodecError):
            codec.decode_bound(candidate, key=key, stack="bytes|aesgcm")


@_props
@given(data=st.binary(min_size=1, max_size=64), one=_keys, other=_keys)
def test_another_key_never_decodes(data: bytes, one: str, other: str) -> None:
    stack = stack_of()
    sealed = stack.encode_bytes(data, key=one)
    if one == other:
        assert stack.decode_bytes(sealed, key=other) == data
    else:
        with pytest.raises(CodecError):
            stack.decode_bytes(sealed, key=other)
