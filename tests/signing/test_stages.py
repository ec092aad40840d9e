"""The sign and notarize stages on dist/manifest.json, with the strict fakes."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from shipyard.errors import NotarizationError
from shipyard.fsutil import sha256_file
from shipyard.manifest import Manifest
from shipyard.signing.stage import run_notarize, run_sign
from tests.signing.artifacts import add_dmg, add_sidecar
from tests.signing.conftest import P12, FakeTools, StageFactory

ISSUES = [{"severity": "error", "code": None, "path": "rapid-mlx-sidecar.tar.gz.zip/rapid-mlx/python/bin/python3.12",
           "message": "The binary is not signed with a valid Developer ID certificate.",
           "docUrl": "https://developer.apple.com/documentation/security/notarizing", "architecture": "arm64"}]


def secrets_env(p12: P12) -> dict[str, str]:
    return {"CI": "true", "APPLE_SIGNING_CERTIFICATE": p12.base64, "APPLE_SIGNING_PASSWORD": p12.password}


# ------------------------------------------------------------------------------ sign
def test_sign_stage_signs_the_sidecar_tarball_and_updates_the_manifest(
        fake_tools: FakeTools, stage_ctx: StageFactory, p12_certificate: P12) -> None:
    ctx = stage_ctx(secrets_env(p12_certificate))
    before = add_sidecar(ctx.out_dir)
    signed = run_sign(ctx)
    assert [a.name for a in signed] == ["rapid-mlx-sidecar.tar.gz"]
    record = Manifest.load(ctx.out_dir).artifacts[0]
    archive = ctx.out_dir / record.path
    assert record.signed and record.sha256 == sha256_file(archive) != before.sha256
    assert (ctx.out_dir / f"{archive.name}.sha256").read_text().split()[0] == record.sha256
    with tarfile.open(archive) as tar:
        assert "rapid-mlx/python/bin/python3.12" in tar.getnames()
    python_call = next(a for a in fake_tools.calls("codesign") if a[-1].endswith("python3.12"))
    assert "--keychain" in python_call and "--entitlements" in python_call
    assert fake_tools.calls("security")[-1][0] == "delete-keychain"
    assert not list(ctx.out_dir.glob(".sign-*")), "staging directory left behind"


def test_sign_stage_without_secrets_records_unsigned(
        fake_tools: FakeTools, stage_ctx: StageFactory, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({"CI": "true"})
    add_sidecar(ctx.out_dir)
    assert run_sign(ctx) == []
    assert "code signing SKIPPED" in capsys.readouterr().err
    assert not Manifest.load(ctx.out_dir).artifacts[0].signed
    assert fake_tools.calls() == []


def test_sign_stage_signs_a_disk_image_plainly(fake_tools: FakeTools, stage_ctx: StageFactory) -> None:
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir, signed=False)
    run_sign(ctx)
    call = fake_tools.calls("codesign")[0]
    assert call[:2] == ["--force", "--timestamp"] and "--options" not in call
    assert Manifest.load(ctx.out_dir).artifacts[0].signed


# ------------------------------------------------------------------------------ notarize
def test_tarball_is_notarized_inside_a_zip_and_not_stapled(
        fake_tools: FakeTools, stage_ctx: StageFactory, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({})
    add_sidecar(ctx.out_dir, signed=True)
    done = run_notarize(ctx)
    assert done[0].notarized and not done[0].stapled
    ditto = fake_tools.calls("ditto")[0]
    assert ditto[:4] == ["-c", "-k", "--sequesterRsrc", "--keepParent"] and ditto[5].endswith(".tar.gz.zip")
    submit = fake_tools.calls("notarytool")[0]
    assert submit[0] == "submit" and submit[2:] == ["--output-format", "json", "--keychain-profile",
                                                    "shipyard-notary"]
    assert fake_tools.calls("stapler") == []
    assert "cannot be stapled" in capsys.readouterr().err
    assert not list(ctx.out_dir.glob("*.notary.json"))


def test_dmg_is_stapled_validated_and_assessed(fake_tools: FakeTools, stage_ctx: StageFactory) -> None:
    ctx = stage_ctx({})
    before = add_dmg(ctx.out_dir)
    done = run_notarize(ctx)
    assert done[0].notarized and done[0].stapled and done[0].sha256 != before.sha256
    assert [argv[0] for argv in fake_tools.calls("stapler")] == ["staple", "validate"]
    assert fake_tools.calls("spctl")[0][:-1] == ["-a", "-t", "open", "--context",
                                                 "context:primary-signature", "-v"]
    assert fake_tools.calls("ditto") == []


def test_rejection_surfaces_every_issue_and_keeps_the_log(
        fake_tools: FakeTools, stage_ctx: StageFactory, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({})
    add_sidecar(ctx.out_dir, signed=True)
    fake_tools.script(notarytool={"status": "Invalid", "issues": ISSUES})
    with pytest.raises(NotarizationError) as info:
        run_notarize(ctx)
    text = str(info.value)
    assert "Invalid" in text and "python3.12 [arm64]" in text and "not signed with a valid" in text
    assert "python3.12 [arm64]: The binary is not signed" in capsys.readouterr().err
    log = json.loads((ctx.out_dir / "rapid-mlx-sidecar.tar.gz.notary-log.json").read_text())
    assert log["issues"] == ISSUES
    assert [a[0] for a in fake_tools.calls("notarytool")] == ["submit", "wait", "log"]
    assert not Manifest.load(ctx.out_dir).artifacts[0].notarized


def test_resume_after_an_interrupted_wait(fake_tools: FakeTools, stage_ctx: StageFactory) -> None:
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    fake_tools.script(notarytool={"timeout": True})
    with pytest.raises(NotarizationError, match="still in progress") as info:
        run_notarize(ctx)
    assert "--resume" in str(info.value)
    pending = json.loads((ctx.out_dir / "MLXR-0.7.3.dmg.notary.json").read_text())
    submitted_id = json.loads((Path(str(fake_tools.log) + ".notary")
                               / f"{pending['id']}.json").read_text()) and pending["id"]
    fake_tools.script(notarytool={"status": "Accepted"})
    done = run_notarize(stage_ctx({}, resume=True))
    calls = fake_tools.calls("notarytool")
    assert [a[0] for a in calls] == ["submit", "wait", "wait"]
    assert calls[-1][1] == submitted_id
    assert done[0].notarized and done[0].stapled
    assert not (ctx.out_dir / "MLXR-0.7.3.dmg.notary.json").exists()


def test_unsigned_or_uncredentialed_notarization_is_skipped_loudly(
        fake_tools: FakeTools, project_dir: Path, stage_ctx: StageFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({})
    add_sidecar(ctx.out_dir, signed=False)
    assert run_notarize(ctx) == []
    assert "SKIPPED for unsigned artifacts: rapid-mlx-sidecar.tar.gz" in capsys.readouterr().err
    text = (project_dir / "pyproject.toml").read_text().replace('keychain-profile = "shipyard-notary"', "")
    (project_dir / "pyproject.toml").write_text(text)
    add_dmg(ctx.out_dir)
    assert run_notarize(stage_ctx({})) == []
    assert "notarization SKIPPED: no notarization credentials" in capsys.readouterr().err
    assert fake_tools.calls() == []


def test_gatekeeper_rejection_fails_the_stage(fake_tools: FakeTools, stage_ctx: StageFactory) -> None:
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    fake_tools.script(spctl={"reject": ["*.dmg"]})
    with pytest.raises(NotarizationError, match="Gatekeeper rejects MLXR-0.7.3.dmg"):
        run_notarize(ctx)


def test_notarytool_gets_a_key_secret_as_a_private_file_only_while_it_runs(
        fake_tools: FakeTools, project_dir: Path, stage_ctx: StageFactory) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    text = (project_dir / "pyproject.toml").read_text().replace(
        'keychain-profile = "shipyard-notary"', 'api-key-id = "ABC123DEFG"\n'
        'api-issuer = "69a6de70-0000-47e3-e053-5b8c7c11a4d1"')
    (project_dir / "pyproject.toml").write_text(text)
    ctx = stage_ctx({"APPLE_API_KEY": pem.decode()})
    add_dmg(ctx.out_dir)
    assert run_notarize(ctx)[0].notarized
    submit = fake_tools.calls("notarytool")[0]  # the strict fake checked that --key is a .p8 file
    key = Path(submit[submit.index("--key") + 1])
    assert key.name == "AuthKey.p8" and key.parent.name.startswith(".shipyard-api-key.")
    assert submit[submit.index("--key-id") + 1] == "ABC123DEFG"
    assert not key.parent.exists()  # removed once notarytool was done
    waits = [call for call in fake_tools.calls("notarytool") if call[0] == "wait"]
    assert waits and waits[0][waits[0].index("--key") + 1] == str(key)  # the same file for the wait


@pytest.mark.parametrize("secret", ["not-a-key-at-all", "/nonexistent/AuthKey_X.p8"])
def test_a_key_secret_does_not_replace_configured_credentials(
        fake_tools: FakeTools, stage_ctx: StageFactory, secret: str) -> None:
    # the keychain profile of the test project is used; APPLE_API_KEY is not even read
    ctx = stage_ctx({"APPLE_API_KEY": secret})
    add_dmg(ctx.out_dir)
    assert run_notarize(ctx)[0].notarized
    submit = fake_tools.calls("notarytool")[0]
    assert "--keychain-profile" in submit and "--key" not in submit


def test_a_key_secret_leaves_the_apple_id_form_alone(
        fake_tools: FakeTools, project_dir: Path, stage_ctx: StageFactory) -> None:
    text = (project_dir / "pyproject.toml").read_text().replace(
        'keychain-profile = "shipyard-notary"', 'apple-id = "dev@example.com"\nteam-id = "TEAM123456"')
    (project_dir / "pyproject.toml").write_text(text)
    ctx = stage_ctx({"APPLE_API_KEY": "unused", "APPLE_APP_SPECIFIC_PASSWORD": "abcd-efgh-ijkl-mnop"})
    add_dmg(ctx.out_dir)
    assert run_notarize(ctx)[0].notarized
    submit = fake_tools.calls("notarytool")[0]
    assert submit[submit.index("--apple-id") + 1] == "dev@example.com" and "--key" not in submit


#: Holds a key file the way notarytool's credentials do, then waits to be signalled.
KEY_HOLDER = """
import sys
from shipyard.interrupts import terminate_as_interrupt
from shipyard.signing.apikey import api_key_file
with terminate_as_interrupt(), api_key_file(b"-----BEGIN PRIVATE KEY-----\\\\nx\\\\n") as path:
    print(path, flush=True)
    sys.stdin.read()
"""


@pytest.mark.integration
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_key_file_does_not_outlive_a_cancelled_or_killed_run(
        how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal
    import subprocess
    import sys

    from shipyard.signing.keychain import sweep_signing_staging

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", KEY_HOLDER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[2])
    try:
        assert child.stdout is not None
        key = Path(child.stdout.readline().strip())
        assert key.is_file() and key.stat().st_mode & 0o777 == 0o600
        assert key.parent.stat().st_mode & 0o777 == 0o700
        child.send_signal(getattr(signal, how))
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if how == "SIGTERM":  # unwound like Ctrl-C: nothing left
        assert not key.parent.exists()
        return
    assert key.is_file()  # kill -9 runs no cleanup; the next signing or notarizing run sweeps
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sweep_signing_staging(tmp_path / "dist")
    assert not key.parent.exists()
