"""Sparkle keys: formats, RFC 8032, generate/show/rotate, and the private key never leaking."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nacl.signing
import pytest

from shipyard.errors import CredentialsError
from shipyard.updates.keys import KeyRing, decode_private_key, read_private_key
from tests.updates.support import cli, make_project

# RFC 8032, section 7.1, TEST 1: a fixed seed, the empty message and its known signature.
RFC_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b")


def test_rfc8032_vector_1_from_a_sparkle_format_key() -> None:
    key = decode_private_key(base64.b64encode(RFC_SEED).decode() + "\n", "test")
    assert key.public_bytes == RFC_PUBLIC
    assert key.public_b64 == base64.b64encode(RFC_PUBLIC).decode()
    assert key.sign(b"") == RFC_SIGNATURE
    nacl.signing.VerifyKey(RFC_PUBLIC).verify(b"", RFC_SIGNATURE)  # libsodium agrees


def test_private_key_text_is_base64_of_the_seed() -> None:
    key = decode_private_key(base64.b64encode(RFC_SEED).decode(), "test")
    assert base64.b64decode(key.private_text()) == RFC_SEED
    assert base64.b64encode(RFC_SEED).decode() not in repr(key)


@pytest.mark.parametrize(("text", "problem"), [
    ("", "is empty"),
    ("not base64 at all!", "not base64"),
    (base64.b64encode(RFC_SEED[:31]).decode(), "decodes to 31 bytes"),
    (base64.b64encode(RFC_SEED[:16]).decode(), "truncated"),
    (base64.b64encode(bytes(96)).decode(), "pre-2.0 format"),
])
def test_bad_private_keys_are_named_but_never_shown(text: str, problem: str) -> None:
    with pytest.raises(CredentialsError, match=problem) as caught:
        decode_private_key(text, "SPARKLE_PRIVATE_KEY")
    assert caught.value.exit_code == 10
    assert "SPARKLE_PRIVATE_KEY" in str(caught.value)
    if text:
        assert text not in str(caught.value)


def test_key_comes_from_the_file_or_the_environment(tmp_path: Path) -> None:
    key_text = base64.b64encode(RFC_SEED).decode()
    (tmp_path / "k").write_text(key_text)
    assert read_private_key(key_file=tmp_path / "k", env={}).public_bytes == RFC_PUBLIC
    assert read_private_key(key_file=None, env={"SPARKLE_PRIVATE_KEY": key_text}).source == \
        "SPARKLE_PRIVATE_KEY"
    with pytest.raises(CredentialsError, match="SPARKLE_PRIVATE_KEY is not set"):
        read_private_key(key_file=None, env={})
    with pytest.raises(CredentialsError, match="does not exist"):
        read_private_key(key_file=tmp_path / "missing", env={})


def _all_text(root: Path, *, skip: tuple[Path, ...]) -> str:
    return "".join(p.read_text(errors="replace") for p in root.rglob("*")
                   if p.is_file() and p not in skip and ".venv" not in p.parts)


def test_generate_show_rotate_never_print_the_private_key(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "proj")
    key_file = root / "keys" / "sparkle.key"
    assert cli(root, "keys", "generate") == 0
    first = key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    ring = json.loads((root / "sparkle-keys.json").read_text())
    assert len(ring["keys"]) == 1 and "retired" not in ring["keys"][0]
    public = ring["keys"][0]["public-key"]
    assert cli(root, "keys", "generate") == 4  # a second current key is refused
    assert cli(root, "keys", "show") == 0
    assert cli(root, "keys", "rotate", "--new-key-file", str(root / "keys" / "new.key"),
               "--transition-days", "30") == 0
    second = (root / "keys" / "new.key").read_text().strip()
    out, err = capsys.readouterr()
    assert public in out and "current" in out
    for secret in (first, second):
        assert secret not in out and secret not in err
    assert first not in _all_text(root, skip=(key_file,))
    assert second not in _all_text(root, skip=(root / "keys" / "new.key",))

    ring = KeyRing.load(root / "sparkle-keys.json")
    assert [k.retired == "" for k in ring.keys] == [True, False]
    assert ring.keys[1].key == public and ring.keys[1].listed_until
    assert ring.current is not None
    assert ring.current.key == decode_private_key(second, "t").public_b64


def test_rotate_refuses_a_key_that_is_not_the_current_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "proj")
    assert cli(root, "keys", "generate") == 0
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(RFC_SEED).decode())
    code = cli(root, "keys", "rotate", "--key-file", str(other), "--new-key-file",
               str(tmp_path / "n.key"))
    assert code == 10
    assert "not the current key" in capsys.readouterr().err
    assert not (tmp_path / "n.key").exists()


def test_truncated_key_in_the_environment_exits_10_without_showing_it(tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "proj")
    (root / "f").write_bytes(b"x")
    canary = base64.b64encode(b"CANARY-not-a-real-key-0123").decode()
    monkeypatch.setenv("SPARKLE_PRIVATE_KEY", canary)
    code = cli(root, "--set", "updates.private-key-file=", "sign-files", str(root / "f"))
    out, err = capsys.readouterr()
    assert code == 10 and "SPARKLE_PRIVATE_KEY" in err
    assert canary not in out + err
