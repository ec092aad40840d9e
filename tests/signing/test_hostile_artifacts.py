"""A tampered artifact in dist/ and what a killed signing run leaves are handled safely."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from shipyard import locks
from shipyard.errors import IntegrityError
from shipyard.fsutil import sha256_file
from shipyard.manifest import Artifact, record_artifact
from shipyard.signing import keychain
from shipyard.signing.stage import run_sign
from tests.signing.conftest import P12, FakeTools, StageFactory
from tests.signing.machofab import make_sidecar_tree
from tests.signing.test_stages import secrets_env


def tampered_sidecar(out_dir: Path, outside: Path) -> Path:
    """A sidecar tarball whose tree holds a symbolic link to a Mach-O outside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tree = make_sidecar_tree(out_dir.parent / "build")
    outside.write_bytes((tree / "python" / "bin" / "python3.12").read_bytes())
    archive = out_dir / "rapid-mlx-sidecar.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname="rapid-mlx")
        link = tarfile.TarInfo("rapid-mlx/python/lib/libevil.dylib")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        tar.addfile(link)
    record_artifact(out_dir, Artifact.from_file(archive, out_dir, kind="sidecar",
                                                target="aarch64-apple-darwin", stage="sidecar"))
    return archive


def test_signing_refuses_a_tarball_linking_outside_its_tree(
        fake_tools: FakeTools, stage_ctx: StageFactory, p12_certificate: P12,
        tmp_path: Path) -> None:
    ctx = stage_ctx(secrets_env(p12_certificate))
    outside = tmp_path / "victim.dylib"
    archive = tampered_sidecar(ctx.out_dir, outside)
    before, victim = sha256_file(archive), sha256_file(outside)
    with pytest.raises(IntegrityError) as info:
        run_sign(ctx)
    assert info.value.exit_code == 11
    assert "libevil.dylib" in info.value.message and "symbolic link" in info.value.message
    assert "was changed after shipyard built it; rebuild the artifact" in str(info.value)
    assert sha256_file(outside) == victim and sha256_file(archive) == before
    assert not list(ctx.out_dir.glob(".sign-*")) and fake_tools.calls("codesign") == []


def test_a_killed_signing_run_leaves_no_certificate_behind(
        fake_tools: FakeTools, stage_ctx: StageFactory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    system_tmp = tmp_path / "tmp"
    monkeypatch.setattr(keychain, "keychain_parent", lambda: system_tmp)
    stale = system_tmp / ".shipyard-keychain.0a1b2c"
    stale.mkdir(parents=True)
    (stale / "certificate.p12").write_bytes(b"secret p12")
    live = system_tmp / ".shipyard-keychain.live01"
    ctx = stage_ctx({"CI": "true"})
    with locks.hold(live):
        live.mkdir()
        assert run_sign(ctx) == []
        assert live.is_dir()
    assert not stale.exists()
    assert f"removed {stale}" in capsys.readouterr().err
