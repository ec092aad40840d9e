"""``shipyard sign`` / ``shipyard notarize`` end to end: dry runs and the canary secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.fsutil import sha256_file
from shipyard.manifest import Manifest
from tests.helpers import run_cli
from tests.signing.artifacts import add_dmg, add_sidecar
from tests.signing.conftest import P12, FakeTools
from tests.signing.test_stages import ISSUES

APP_PASSWORD = "CANARY-app-pass-91c2"


@pytest.fixture
def ci_secrets(monkeypatch: pytest.MonkeyPatch, p12_certificate: P12) -> P12:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("APPLE_SIGNING_CERTIFICATE", p12_certificate.base64)
    monkeypatch.setenv("APPLE_SIGNING_PASSWORD", p12_certificate.password)
    monkeypatch.setenv("APPLE_APP_SPECIFIC_PASSWORD", APP_PASSWORD)
    return p12_certificate


def test_sign_dry_run_prints_exact_commands_and_changes_nothing(
        fake_tools: FakeTools, project_dir: Path, ci_secrets: P12,
        capsys: pytest.CaptureFixture[str]) -> None:
    artifact = add_sidecar(project_dir / "dist")
    manifest_before = (project_dir / "dist" / "manifest.json").read_text()
    code, _, err = run_cli(capsys, "-C", str(project_dir), "sign", "--dry-run")
    assert code == 0, err
    assert "[dry-run] $ security create-keychain -p '********'" in err or \
        "[dry-run] $ security create-keychain -p ********" in err
    assert "[dry-run] $ codesign --force --timestamp --options runtime --entitlements" in err
    assert "[dry-run] $ security delete-keychain" in err
    assert [c for c in fake_tools.calls() if c[:2] != ["list-keychains", "-d"]] == []
    assert sha256_file(project_dir / "dist" / artifact.path) == artifact.sha256
    assert (project_dir / "dist" / "manifest.json").read_text() == manifest_before


def test_notarize_dry_run_prints_exact_commands(fake_tools: FakeTools, project_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    add_dmg(project_dir / "dist")
    code, _, err = run_cli(capsys, "-C", str(project_dir), "notarize", "--dry-run")
    assert code == 0, err
    assert "[dry-run] $ xcrun -sdk macosx notarytool submit" in err
    assert "--output-format json --keychain-profile shipyard-notary" in err
    assert "[dry-run] $ xcrun -sdk macosx stapler staple" in err
    assert "[dry-run] $ spctl -a -t open --context context:primary-signature -v" in err
    assert not Manifest.load(project_dir / "dist").artifacts[0].notarized
    assert not list((project_dir / "dist").glob("*.notary.json"))


def test_canary_secrets_never_reach_output_errors_or_files(
        fake_tools: FakeTools, project_dir: Path, ci_secrets: P12,
        capsys: pytest.CaptureFixture[str]) -> None:
    toml = (project_dir / "pyproject.toml").read_text().replace(
        'keychain-profile = "shipyard-notary"', 'apple-id = "ci@example.com"\nteam-id = "CANARY1234"')
    (project_dir / "pyproject.toml").write_text(toml)
    canaries = [ci_secrets.password, APP_PASSWORD, ci_secrets.base64[:40]]
    outputs = []
    add_sidecar(project_dir / "dist")
    code, out, err = run_cli(capsys, "-C", str(project_dir), "sign")
    assert code == 0, err
    outputs += [out, err]
    fake_tools.script(notarytool={"status": "Rejected", "issues": ISSUES})
    code, out, err = run_cli(capsys, "-C", str(project_dir), "notarize")
    assert code == 8 and "python3.12 [arm64]" in err
    outputs += [out, err]
    add_dmg(project_dir / "dist", signed=False)
    fake_tools.script(security={"fail": {"import": "MAC verification failed"}})
    code, out, err = run_cli(capsys, "-C", str(project_dir), "-v", "sign")
    assert code == 6 and "import" in err and "********" in err
    outputs += [out, err]
    written = [p.read_bytes().decode(errors="replace") for p in project_dir.rglob("*") if p.is_file()]
    for canary in canaries:
        for text in outputs + written:
            assert canary not in text
    submit = next(c for c in fake_tools.calls("notarytool") if c[0] == "submit")
    assert submit[-6:] == ["--apple-id", "ci@example.com", "--team-id", "CANARY1234",
                           "--password", APP_PASSWORD]  # the tool itself does get it
