"""sign-files / verify-files: Sparkle-compatible raw signatures, digest-line signatures for
models, checked by libsodium (PyNaCl), and a multi-GB model signed in small memory."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import nacl.exceptions
import nacl.signing
import pytest

from shipyard.updates.keys import decode_private_key
from shipyard.updates.signatures import rule_for
from tests.updates.support import cli, make_project
from tests.updates.test_keys import RFC_PUBLIC, RFC_SEED, RFC_SIGNATURE

PRIVATE_KEY_TEXT = base64.b64encode(RFC_SEED).decode()
PUBLIC_TEXT = base64.b64encode(RFC_PUBLIC).decode()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "proj")
    (root / "keys").mkdir()
    (root / "keys" / "sparkle.key").write_text(PRIVATE_KEY_TEXT + "\n")
    return root


def _sig(path: Path) -> bytes:
    return base64.b64decode(path.with_name(path.name + ".sig").read_text())


def test_empty_archive_gets_the_rfc8032_signature(project: Path) -> None:
    empty = project / "Empty.zip"
    empty.write_bytes(b"")
    assert cli(project, "sign-files", str(empty)) == 0
    assert _sig(empty) == RFC_SIGNATURE
    assert (project / "Empty.zip.sha256").read_text() == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  Empty.zip\n"


def test_archive_raw_and_model_digest_rules_verified_by_libsodium(project: Path) -> None:
    archive, model = project / "MLXR-1.0.0.zip", project / "model.safetensors"
    archive.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 50)
    model.write_bytes(b"weights" * 1000)
    assert rule_for(archive) == "raw" and rule_for(model) == "digest"
    assert cli(project, "sign-files", str(archive), str(model)) == 0
    verifier = nacl.signing.VerifyKey(RFC_PUBLIC)
    verifier.verify(archive.read_bytes(), _sig(archive))  # exactly sign_update's signature
    line = (project / "model.safetensors.sha256").read_bytes()
    verifier.verify(line, _sig(model))
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verifier.verify(model.read_bytes(), _sig(model))
    assert cli(project, "verify-files", str(archive), str(model), "--public-key", PUBLIC_TEXT) == 0


@pytest.mark.parametrize("name", ["MLXR.zip", "model.gguf"])
def test_file_changed_after_signing_exits_11_naming_it(project: Path, capsys, name: str) -> None:  # type: ignore[no-untyped-def]
    path = project / name
    path.write_bytes(b"original bytes")
    assert cli(project, "sign-files", str(path)) == 0
    path.write_bytes(b"tampered bytes")
    code = cli(project, "verify-files", str(path), "--public-key", PUBLIC_TEXT)
    err = capsys.readouterr().err
    assert code == 11 and str(path) in err and "changed after it was signed" in err


def test_signature_from_another_key_or_forged_sha256_exits_11(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = project / "MLXR.zip"
    path.write_bytes(b"archive")
    assert cli(project, "sign-files", str(path)) == 0
    other = decode_private_key(base64.b64encode(bytes(32)).decode(), "t").public_b64
    assert cli(project, "verify-files", str(path), "--public-key", other) == 11
    assert "does not verify" in capsys.readouterr().err
    model = project / "w.bin"
    model.write_bytes(b"weights")
    assert cli(project, "sign-files", str(model)) == 0
    model.write_bytes(b"evil")
    import hashlib
    (project / "w.bin.sha256").write_text(f"{hashlib.sha256(b'evil').hexdigest()}  w.bin\n")
    assert cli(project, "verify-files", str(model), "--public-key", PUBLIC_TEXT) == 11
    err = capsys.readouterr().err
    assert "w.bin" in err and "does not verify" in err


def test_missing_signature_and_bad_public_key(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = project / "x.zip"
    path.write_bytes(b"x")
    assert cli(project, "verify-files", str(path), "--public-key", PUBLIC_TEXT) == 11
    assert "x.zip.sha256 is missing" in capsys.readouterr().err
    assert cli(project, "verify-files", str(path), "--public-key", PUBLIC_TEXT[:20]) == 10


RSS_PROBE = r"""
import resource, sys
from pathlib import Path
from shipyard.updates.keys import decode_private_key
from shipyard.updates.signatures import sign_file, verify_file
key = decode_private_key(sys.argv[2], "probe")
path = Path(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
signed = sign_file(path, key)
verify_file(path, [key.public_bytes])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(signed.rule, before, after)
"""


@pytest.mark.slow
def test_multi_gb_model_is_signed_and_verified_in_small_memory(tmp_path: Path) -> None:
    model = tmp_path / "model-3g.safetensors"
    with open(model, "wb") as handle:  # sparse: 3 GiB of holes and one real byte at the end
        handle.truncate(3 << 30)
        handle.seek((3 << 30) - 1)
        handle.write(b"\x01")
    result = subprocess.run([sys.executable, "-c", RSS_PROBE, str(model), PRIVATE_KEY_TEXT],
                            capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr
    rule, before, after = result.stdout.split()
    assert rule == "digest"
    # ru_maxrss is in KiB on Linux: signing and verifying 3 GiB adds less than 64 MiB.
    assert int(after) - int(before) < 64 * 1024, (before, after)
    nacl.signing.VerifyKey(RFC_PUBLIC).verify(
        (tmp_path / "model-3g.safetensors.sha256").read_bytes(),
        base64.b64decode((tmp_path / "model-3g.safetensors.sig").read_text()))
