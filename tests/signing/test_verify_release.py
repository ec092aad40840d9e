"""``signer = "auto"``, and the release refusing what ``verify`` rejects, whatever the manifest says."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from shipyard.config.loader import load_project
from shipyard.errors import ReleaseRefusedError, ToolMissingError
from shipyard.manifest import Artifact
from shipyard.plugins.builtin.rcodesign_signer import RcodesignSigner
from shipyard.plugins.manager import plugins
from shipyard.release.orchestrate import refuse_unsigned
from shipyard.signing import resolve_signer_name
from tests.helpers import run_cli
from tests.signing.conftest import RealMachO

apple_platform = pytest.importorskip("apple_platform")
pytestmark = pytest.mark.integration


# ------------------------------------------------------------------------------ auto
def test_auto_is_codesign_on_macos_and_rcodesign_elsewhere() -> None:
    signers = plugins().signers()
    assert resolve_signer_name("auto", signers, platform="darwin") == "codesign"
    assert resolve_signer_name("auto", signers, platform="linux") == "rcodesign"
    assert resolve_signer_name("codesign", signers, platform="linux") == "codesign"


def test_auto_without_apple_platform_is_exit_5_naming_the_extra(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(RcodesignSigner, "unusable",
                        classmethod(lambda cls: "apple-platform-py is not installed"))
    with pytest.raises(ToolMissingError) as info:
        resolve_signer_name("auto", plugins().signers(), platform="linux")
    assert info.value.exit_code == 5 and 'pip install "shipyard[rcodesign]"' in str(info.value)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "d"\nversion = "1.0"\n')
    target = tmp_path / "libx.dylib"
    target.write_bytes(b"\xcf\xfa\xed\xfe" + b"\0" * 60)
    code, _, err = run_cli(capsys, "-C", str(tmp_path), "--set", 'sign.signer="rcodesign"',
                           "sign", str(target))
    assert code == 5 and 'pip install "shipyard[rcodesign]"' in err


# ------------------------------------------------------------------------------ release
def sidecar_tarball(out: Path, binaries: dict[str, bytes]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "demo-sidecar.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in binaries.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return path


def release_for(tmp_path: Path, *, allow_unsigned: bool = False) -> SimpleNamespace:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0.0"\n')
    return SimpleNamespace(project=load_project(tmp_path, env={}), out_dir=tmp_path / "dist",
                           allow_unsigned=allow_unsigned)


@pytest.fixture
def signed_dylib(tmp_path: Path, real_macho: RealMachO) -> bytes:
    path = tmp_path / "libf.dylib"
    shutil.copy(real_macho.dylib, path)
    apple_platform.sign(path, binary_identifier="com.example.libf",
                        code_signature_flags=["runtime"], timestamp_url="none")
    return path.read_bytes()


def artifact(path: Path, *, signed: bool) -> Artifact:
    return Artifact.from_file(path, path.parent, kind="sidecar", stage="sidecar",
                              target="aarch64-apple-darwin", signed=signed)


def test_release_accepts_verified_signatures(tmp_path: Path, signed_dylib: bytes) -> None:
    release = release_for(tmp_path)
    path = sidecar_tarball(release.out_dir, {"demo/lib/libf.dylib": signed_dylib})
    refuse_unsigned(release, [artifact(path, signed=False)])  # the bytes decide, not the flag


def test_release_refuses_unsigned_code_the_manifest_calls_signed(
        tmp_path: Path, real_macho: RealMachO) -> None:
    release = release_for(tmp_path)
    path = sidecar_tarball(release.out_dir, {"demo/bin/main": real_macho.executable.read_bytes()})
    with pytest.raises(ReleaseRefusedError, match="refusing to publish unsigned artifacts: "
                       "demo-sidecar.tar.gz"):
        refuse_unsigned(release, [artifact(path, signed=True)])
    refuse_unsigned(release_for(tmp_path, allow_unsigned=True), [artifact(path, signed=True)])


def test_release_refuses_tampered_code_even_with_allow_unsigned(
        tmp_path: Path, signed_dylib: bytes) -> None:
    tampered = bytearray(signed_dylib)
    tampered[200] ^= 0xFF
    release = release_for(tmp_path, allow_unsigned=True)
    path = sidecar_tarball(release.out_dir, {"demo/lib/libf.dylib": bytes(tampered)})
    with pytest.raises(ReleaseRefusedError) as info:
        refuse_unsigned(release, [artifact(path, signed=True)])
    assert "changed after signing" in str(info.value) and "demo/lib/libf.dylib" in str(info.value)
