"""Flat packages are signed with the Developer ID Installer certificate off macOS (rcodesign).

The pkg comes from shipyard's flat-package writer; its signature is read back by rcodesign's
own reader and the signed pkg is listed again by bsdtar and 7z (readers shipyard did not write).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shipyard.errors import CredentialsError
from shipyard.fsutil import sha256_file
from shipyard.installers.pkg import PkgSpec, write_flat_pkg
from shipyard.manifest import Artifact, Manifest, record_artifact
from shipyard.signing.packages import pkg_signature
from shipyard.signing.stage import run_sign
from tests.signing.conftest import P12, StageFactory, make_p12
from tests.system_tools import require_tool

pytest.importorskip("apple_platform")

INSTALLER = "Developer ID Installer: Canary Team (CANARY1234)"


@pytest.fixture(scope="module")
def installer_p12() -> P12:
    return make_p12(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                    x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, INSTALLER),
                               x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CANARY1234")]),
                    "CANARY-installer-pass-41c2", b"installer")


@pytest.fixture(autouse=True)
def no_timestamp_server(project_dir: Path) -> None:
    """Signatures here carry no timestamp: Apple's timestamp server is not reachable."""
    text = (project_dir / "pyproject.toml").read_text()
    (project_dir / "pyproject.toml").write_text(
        text.replace("[tool.shipyard.sign]\n", "[tool.shipyard.sign]\ntimestamp = false\n", 1))


def add_pkg(out_dir: Path) -> Artifact:
    app = out_dir.parent / "build" / "Demo.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    (app / "Contents" / "Info.plist").write_text("<plist/>")
    (app / "Contents" / "MacOS" / "Demo").write_text("#!/bin/sh\n")
    out_dir.mkdir(parents=True, exist_ok=True)
    pkg = write_flat_pkg(app, out_dir / "Demo-1.2.3.pkg",
                         PkgSpec(title="Demo", identifier="com.example.demo", version="1.2.3"))
    (out_dir / f"{pkg.name}.sha256").write_text(f"{sha256_file(pkg)}  {pkg.name}\n")
    artifact = Artifact.from_file(pkg, out_dir, kind="pkg", signed=False, stage="pkg")
    record_artifact(out_dir, artifact)
    return artifact


def secrets(p12: P12) -> dict[str, str]:
    return {"APPLE_INSTALLER_CERTIFICATE": p12.base64, "APPLE_INSTALLER_PASSWORD": p12.password}


def listing(tool: list[str], pkg: Path) -> str:
    return subprocess.run([*tool, str(pkg)], capture_output=True, text=True, check=True).stdout


@pytest.mark.integration
def test_a_pkg_is_signed_with_the_installer_certificate_and_verifies(
        stage_ctx: StageFactory, installer_p12: P12) -> None:
    ctx = stage_ctx(secrets(installer_p12))
    before = add_pkg(ctx.out_dir)
    pkg = ctx.out_dir / before.path
    assert not pkg_signature(pkg).get("rsa_signature_verifies")
    done = run_sign(ctx)
    assert [a.name for a in done] == ["Demo-1.2.3.pkg"]
    record = Manifest.load(ctx.out_dir).artifacts[0]
    assert record.signed and record.sha256 == sha256_file(pkg) != before.sha256
    assert (ctx.out_dir / f"{pkg.name}.sha256").read_text().split()[0] == record.sha256
    toc = pkg_signature(pkg)
    assert toc["checksum_verifies"] and toc["rsa_signature_verifies"] and toc["cms_signature_verifies"]
    subjects = [c["subject"] for c in toc["cms_signature"]["certificates"]]  # type: ignore[index]
    assert any(INSTALLER in subject for subject in subjects)
    for tool in ([require_tool("bsdtar"), "-tf"], [require_tool("7z"), "l"]):
        assert "com.example.demo.pkg/Payload" in listing(tool, pkg)
    assert not list(ctx.out_dir.glob(".sign-*")), "staging directory left behind"


def test_without_the_installer_secrets_a_pkg_stays_unsigned_and_says_so(
        stage_ctx: StageFactory, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({})
    before = add_pkg(ctx.out_dir)
    assert run_sign(ctx) == []
    assert Manifest.load(ctx.out_dir).artifacts[0] == before
    assert "Demo-1.2.3.pkg: left UNSIGNED" in capsys.readouterr().err


@pytest.mark.parametrize("broken", ["only-certificate", "wrong-password"])
def test_broken_installer_secrets_are_credentials_errors(
        stage_ctx: StageFactory, installer_p12: P12, broken: str) -> None:
    env = secrets(installer_p12)
    if broken == "only-certificate":
        del env["APPLE_INSTALLER_PASSWORD"]
    else:
        env["APPLE_INSTALLER_PASSWORD"] = "not-the-password"
    ctx = stage_ctx(env)
    before = add_pkg(ctx.out_dir)
    with pytest.raises(CredentialsError) as refused:
        run_sign(ctx)
    assert "APPLE_INSTALLER_PASSWORD" in refused.value.message
    assert installer_p12.password not in f"{refused.value.message} {refused.value.hint}"
    assert sha256_file(ctx.out_dir / before.path) == before.sha256  # untouched


def test_a_pkg_holding_an_unsigned_app_is_not_signed(
        stage_ctx: StageFactory, installer_p12: P12, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx(secrets(installer_p12))
    before = add_pkg(ctx.out_dir)
    manifest = Manifest.load(ctx.out_dir)
    manifest.update(before.path, extra={"app": "Demo.app", "content_signed": False})
    manifest.save()
    assert run_sign(ctx) == []
    assert sha256_file(ctx.out_dir / before.path) == before.sha256
    assert "the app inside was not signed" in capsys.readouterr().err


def test_without_the_rcodesign_library_a_pkg_is_left_unsigned_with_the_install_command(
        stage_ctx: StageFactory, installer_p12: P12, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == "apple_platform" else real(name, *rest))
    ctx = stage_ctx(secrets(installer_p12))
    before = add_pkg(ctx.out_dir)
    assert run_sign(ctx) == []
    assert sha256_file(ctx.out_dir / before.path) == before.sha256
    assert 'pip install "shipyard[rcodesign]"' in capsys.readouterr().err


def test_a_signature_that_does_not_verify_leaves_the_pkg_as_it_was(
        stage_ctx: StageFactory, installer_p12: P12, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    import tempfile

    from shipyard.errors import SigningError
    from shipyard.signing import packages

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where decoded keys go
    monkeypatch.setattr(packages, "pkg_signature", lambda path: {
        "checksum_verifies": True, "rsa_signature_verifies": False, "cms_signature_verifies": True})
    ctx = stage_ctx(secrets(installer_p12))
    before = add_pkg(ctx.out_dir)
    with pytest.raises(SigningError, match="rsa_signature_verifies is False"):
        run_sign(ctx)
    assert sha256_file(ctx.out_dir / before.path) == before.sha256
    assert not Manifest.load(ctx.out_dir).artifacts[0].signed
    assert not list(ctx.out_dir.glob(".sign-*")) and not list(tmp_path.glob(".shipyard-*"))


def test_a_dry_run_signs_nothing(stage_ctx: StageFactory, installer_p12: P12,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx(secrets(installer_p12), dry_run=True)
    before = add_pkg(ctx.out_dir)
    run_sign(ctx)
    assert sha256_file(ctx.out_dir / before.path) == before.sha256
    assert "[dry-run] would sign Demo-1.2.3.pkg" in capsys.readouterr().err


def test_code_is_signed_before_packages_and_stays_signed_when_they_fail(
        fake_tools: object, stage_ctx: StageFactory, p12_certificate: P12,
        installer_p12: P12) -> None:
    from tests.signing.artifacts import add_sidecar

    env = {"CI": "true", "APPLE_SIGNING_CERTIFICATE": p12_certificate.base64,
           "APPLE_SIGNING_PASSWORD": p12_certificate.password,
           "APPLE_INSTALLER_CERTIFICATE": installer_p12.base64}  # its password is missing
    ctx = stage_ctx(env)
    add_sidecar(ctx.out_dir)
    add_pkg(ctx.out_dir)
    with pytest.raises(CredentialsError, match="APPLE_INSTALLER_PASSWORD is not set"):
        run_sign(ctx)
    signed = {a.name: a.signed for a in Manifest.load(ctx.out_dir).artifacts}
    assert signed == {"rapid-mlx-sidecar.tar.gz": True, "Demo-1.2.3.pkg": False}


def test_the_sign_stage_turns_sigterm_into_an_interrupt(
        stage_ctx: StageFactory, installer_p12: P12, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from shipyard.signing import packages

    def cancelled(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # a CI job cancelled while signing

    monkeypatch.setattr(packages, "sign_package", cancelled)
    ctx = stage_ctx(secrets(installer_p12))
    add_pkg(ctx.out_dir)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        run_sign(ctx)
    assert signal.getsignal(signal.SIGTERM) == before
