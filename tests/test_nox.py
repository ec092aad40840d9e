"""``nox -l`` lists shipyard's sessions, and a plugin's publish session appears once installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import overlay_venv

ROOT = Path(__file__).resolve().parent.parent
TESTPUB = ROOT / "tests" / "plugins" / "testpub_dist"
SESSIONS = ["build_kernels", "build_sidecar", "release", "doctor", "sign", "notarize", "tests", "lint"]

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def nox_list(python: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([python, "-m", "nox", "-l", "-f", str(ROOT / "noxfile.py")],
                            capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def session_names(listing: str) -> set[str]:
    return {line[2:].split(" ")[0] for line in listing.splitlines() if line[:2] in ("* ", "- ")}


def test_nox_lists_the_shipyard_sessions() -> None:
    names = session_names(nox_list(sys.executable))
    assert set(SESSIONS) <= names


def test_installed_plugin_adds_its_publish_session_and_uninstalling_removes_it(tmp_path: Path) -> None:
    python = str(overlay_venv(tmp_path / "venv"))
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check", "-q"]
    assert "publish-testpub" not in session_names(nox_list(python))
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(TESTPUB)],
                   check=True, capture_output=True)
    listing = nox_list(python)
    assert "publish-testpub" in session_names(listing)
    assert "Test publisher from a third-party distribution (shipyard-testpub)" in listing
    subprocess.run([*pip, "uninstall", "-y", "shipyard-testpub"], check=True, capture_output=True)
    assert "publish-testpub" not in session_names(nox_list(python))
