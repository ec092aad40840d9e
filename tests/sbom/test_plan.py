"""Dry runs name the SBOMs they would write, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def test_sidecar_dry_run_names_both_sboms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", '[tool.shipyard.sidecar]\npbs-mirror = "/srv/pbs"\n')
    code, _, err = run_cli(capsys, "-C", str(root), "--dry-run", "sidecar", "build",
                           "--target", "aarch64-apple-darwin")
    assert code == 0, err
    tarball = "demo-sidecar-aarch64-apple-darwin.tar.gz"
    assert f"{tarball}.cdx.json, {tarball}.spdx.json (CycloneDX 1.6, SPDX 2.3)" in err
    assert not (root / "dist").exists()
    code, _, err = run_cli(capsys, "-C", str(root), "--dry-run", "--set", "package.sbom=false",
                           "sidecar", "build", "--target", "aarch64-apple-darwin")
    assert code == 0 and "cdx.json" not in err


@pytest.mark.integration  # the homebrew publisher's check asks git about the tap
def test_demo_release_plan_lists_the_sboms(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("GITHUB_TOKEN", "NPM_TOKEN", "GITHUB_EVENT_NAME", "OUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    manifest = DEMO / "dist" / "manifest.json"
    before = manifest.exists() and manifest.stat().st_mtime_ns
    code, out, err = run_cli(capsys, "-C", str(DEMO), "release", "sidecar-v0.7.3", "--dry-run")
    assert code == 0, err
    text = out + err
    assert "SBOMs of the staged bundle (package.sbom): shipyard-demo-sidecar-" in text
    assert ".tar.gz.cdx.json" in text and ".tar.gz.spdx.json" in text
    assert "SHA256SUMS (SBOMs included)" in text
    assert (manifest.exists() and manifest.stat().st_mtime_ns) == before
