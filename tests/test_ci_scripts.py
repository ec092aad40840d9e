"""ci/ scripts: the provisioner parses under POSIX shells and refuses what it cannot do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.system_tools import require_tool

ROOT = Path(__file__).resolve().parent.parent
PROVISION = ROOT / "ci" / "provision-macos.sh"

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_provisioner_is_valid_posix_sh(shell: str) -> None:
    subprocess.run([require_tool(shell), "-n", str(PROVISION)], check=True)


def test_unknown_option_is_refused_with_the_fix() -> None:
    result = subprocess.run(["sh", str(PROVISION), "--chek"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown option: --chek (use --check or nothing)" in result.stderr


@pytest.mark.skipif(sys.platform == "darwin", reason="asserts the non-macOS refusal")
def test_check_on_a_non_macos_host_fails_plainly() -> None:
    result = subprocess.run(["sh", str(PROVISION), "--check"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "not macOS" in result.stdout


def test_the_generated_macos_jobs_run_this_provisioner() -> None:
    """ci/workflows/ is generated from the demo's [tool.shipyard.ci]; its macos-setup names this
    script, so a renamed provisioner fails here rather than on a macOS runner."""
    for name in ("shipyard-release.yml", "shipyard-pr.yml"):
        text = (ROOT / "ci" / "workflows" / name).read_text()
        assert "run: ci/provision-macos.sh --check" in text, name
