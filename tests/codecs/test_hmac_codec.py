"""The hmac transform: tamper detection, key sources, and keeping the key out of sight."""

from __future__ import annotations

import pickle

import pytest

from typed_cloudmap.codecs import CodecStack, HmacTransform, Transform, get_codec
from typed_cloudmap.codecs._hmac import DEFAULT_ENV, fingerprint
from typed_cloudmap.errors import CodecError

SECRET = "correct-horse-battery-staple"


def hmac_codec(spec: str) -> Transform:
    codec = get_codec(spec)
    assert isinstance(codec, HmacTransform)
    return codec


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(DEFAULT_ENV, SECRET)
    return SECRET


@pytest.mark.usefixtures("env_key")
def test_env_key_round_trip_and_name() -> None:
    codec = hmac_codec("hmac")
    assert codec.name == f"hmac:env={DEFAULT_ENV}"
    assert codec.content_encoding is None
    encoded = codec.encode(b"payload")
    assert len(encoded) == len(b"payload") + 32
    assert encoded.startswith(b"payload")
    assert codec.decode(encoded) == b"payload"
    assert codec.decode(codec.encode(b"")) == b""


def test_custom_env_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "k1-0123456789abcdef")
    codec = hmac_codec("hmac:env=MY_KEY")
    assert codec.name == "hmac:env=MY_KEY"
    assert codec.decode(codec.encode(b"x")) == b"x"


def test_missing_env_key_is_a_codec_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEFAULT_ENV, raising=False)
    codec = hmac_codec("hmac")  # building the codec needs no key yet
    with pytest.raises(CodecError, match=DEFAULT_ENV):
        codec.encode(b"x")


@pytest.mark.usefixtures("env_key")
@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],
        lambda b: b[:10],
        lambda b: b"",
        lambda b: b[1:],
        lambda b: b + b"\x00",
        lambda b: bytes([b[0] ^ 1]) + b[1:],
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),
    ],
)
def test_tampering_is_detected(damage: object) -> None:
    codec = hmac_codec("hmac")
    encoded = codec.encode(b"important data")
    with pytest.raises(CodecError):
        codec.decode(damage(encoded))  # type: ignore[operator]  # the parametrized lambdas


def test_other_key_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded = hmac_codec("hmac:key=one-0123456789abcdef").encode(b"data")
    with pytest.raises(CodecError, match="integrity"):
        hmac_codec("hmac:key=two-0123456789abcdef").decode(encoded)
    monkeypatch.setenv(DEFAULT_ENV, "one-0123456789abcdef")
    assert hmac_codec("hmac").decode(encoded) == b"data"  # same key, other source


def test_limit() -> None:
    codec = hmac_codec("hmac:key=k-0123456789abcdef")
    encoded = codec.encode(b"abcd")
    assert codec.decode(encoded, limit=4) == b"abcd"
    with pytest.raises(CodecError, match="limit"):
        codec.decode(encoded, limit=3)


def test_direct_key_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEFAULT_ENV, raising=False)
    spec = f"hmac:key={SECRET}"
    codec = hmac_codec(spec)
    stack = CodecStack(f"pickle|zstd|{spec}")
    texts = [codec.name, repr(codec), str(codec), stack.name, repr(stack), str(stack)]
    assert codec.name == f"hmac:key_id={fingerprint(SECRET.encode())}"
    for bad_input in (b"", b"x" * 40):
        with pytest.raises(CodecError) as info:
            stack.decode_bytes(bad_input)
        texts.append(str(info.value))
    for bad_spec in (f"{spec},key_id=0000", f"{spec},env=X", f"{spec},nope=1"):
        with pytest.raises(CodecError) as info:
            get_codec(bad_spec)
        texts.append(str(info.value))
    for text in texts:
        assert SECRET not in text
        assert "battery" not in text


def test_key_id_round_trips_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    direct = hmac_codec(f"hmac:key={SECRET}")
    encoded = direct.encode(b"v")
    monkeypatch.setenv(DEFAULT_ENV, SECRET)
    again = hmac_codec(direct.name)  # "hmac:key_id=..." takes the key from the environment
    assert again.name == direct.name
    assert again.decode(encoded) == b"v"
    monkeypatch.setenv(DEFAULT_ENV, "another key 0123456789")
    with pytest.raises(CodecError, match="key_id"):
        again.decode(encoded)


def test_bad_parameters() -> None:
    with pytest.raises(CodecError):
        get_codec("hmac:key=")
    with pytest.raises(CodecError):
        get_codec("hmac:key=a,env=B")
    with pytest.raises(CodecError):
        HmacTransform(key=True)
    assert (
        HmacTransform(key=b"\x00\x01" * 8).decode(HmacTransform(key=b"\x00\x01" * 8).encode(b"z"))
        == b"z"
    )


def test_pickling(monkeypatch: pytest.MonkeyPatch) -> None:
    direct = hmac_codec("hmac:key=k-0123456789abcdef")
    again = pickle.loads(pickle.dumps(direct))
    assert again.name == direct.name
    assert again.decode(direct.encode(b"x")) == b"x"
    monkeypatch.setenv("OTHER_ENV", "k2-0123456789abcdef")
    from_env = hmac_codec("hmac:env=OTHER_ENV")
    blob = pickle.dumps(from_env)
    assert b"k2" not in blob  # an env-sourced key is re-read where the codec is unpickled
    assert pickle.loads(blob).decode(from_env.encode(b"y")) == b"y"


def test_hmac_protects_pickle_from_forgery() -> None:
    stack = CodecStack("pickle|hmac:key=k-0123456789abcdef")
    forged = CodecStack("pickle").dumps({"evil": True}) + b"\x00" * 32
    with pytest.raises(CodecError, match="integrity"):
        stack.loads(forged)
