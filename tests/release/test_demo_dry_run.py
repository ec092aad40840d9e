"""The design card's command on the repo's demo: the whole plan, no credentials, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("GITHUB_TOKEN", "NPM_TOKEN", "PYPI_TOKEN", "GITHUB_EVENT_NAME", "OUT_DIR",
           "SPARKLE_PRIVATE_KEY")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SECRETS}


def _check_plan(text: str) -> None:
    for expected in ("release sidecar-v0.7.3: family sidecar, version 0.7.3, channel stable",
                     "build sidecar", "sign:", "notarize:", "checksums: write",
                     "publish github:", "needs GITHUB_TOKEN (not set)", "publish homebrew:",
                     "publish npm:", "needs NPM_TOKEN (not set)", "build appcast:",
                     "publish appcast: would write", "shipyard-demo-updates.git (gh-pages)"):
        assert expected in text, expected


def test_demo_release_dry_run_shows_the_whole_plan() -> None:
    dist = ROOT / "examples" / "demo" / "dist"
    watched = [dist / "SHA256SUMS", dist / "release-state.json", dist / "manifest.json"]
    before = [p.exists() and p.stat().st_mtime_ns for p in watched]
    result = subprocess.run([sys.executable, "-m", "shipyard", "-C", str(ROOT / "examples" / "demo"),
                             "release", "sidecar-v0.7.3", "--dry-run"], env=_env(),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    _check_plan(result.stdout)
    assert [p.exists() and p.stat().st_mtime_ns for p in watched] == before


@pytest.mark.integration
@pytest.mark.slow
def test_nox_release_session_dry_run() -> None:
    if not (ROOT / "noxfile.py").exists():
        pytest.skip("no noxfile.py in the repository")
    result = subprocess.run([sys.executable, "-m", "nox", "-s", "release", "--", "sidecar-v0.7.3",
                             "--dry-run"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    _check_plan(result.stdout + result.stderr)


def test_plan_asks_the_configured_notarizer_about_credentials_and_tools() -> None:
    """The rest notarizer needs no Apple tool, and an incomplete API key is named as such."""
    env = {**_env(), "APPLE_API_KEY_ID": "KEY123"}
    result = subprocess.run([sys.executable, "-m", "shipyard", "-C", str(ROOT / "examples" / "demo"),
                             "--set", "notarize.notarizer=rest", "release", "sidecar-v0.7.3",
                             "--dry-run"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "notarizer rest" in result.stdout
    assert "needs credentials: the rest notarizer needs tool.shipyard.notarize.api-key" in result.stdout
    assert "needs notarytool" not in result.stdout and "needs xcrun" not in result.stdout
