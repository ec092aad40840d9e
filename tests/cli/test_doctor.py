"""``shipyard doctor``: states plainly what cannot run here and why; --check fails then."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

pytestmark = [pytest.mark.integration,  # probes real tools (uv --version)
              pytest.mark.skipif(sys.platform == "darwin", reason="asserts the non-macOS report")]


@pytest.fixture
def no_apple_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH without any Apple tool (python and pip are found through sys.executable)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))  # remembered tool versions


def test_doctor_explains_that_apple_stages_cannot_run_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    root = write_project(tmp_path / "p", "[tool.shipyard.kernels]\n[tool.shipyard.notarize]\n")
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor")
    assert code == 0
    assert "this is not macOS: the Apple stages" in out
    assert "NO kernels: cannot run here" in out
    assert "NO notarize: cannot run here" in out
    assert "python:" in out and "host:" in out
    grouped = [line for line in out.splitlines() if "macOS only, not on this host:" in line]
    assert len(grouped) == 1 and "codesign" in grouped[0] and "xcrun" in grouped[0]
    assert out.count("run this stage on a macOS host with Xcode") == 1  # the hint, once
    assert "metal missing: macOS only" in out


PYPI = '[tool.shipyard.publish.pypi]\n'


def test_doctor_finds_twine_where_the_publisher_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    pytest.importorskip("twine")
    code, out, _ = run_cli(capsys, "-C", str(write_project(tmp_path / "p", PYPI)), "doctor")
    assert code == 0
    assert "ok publish.pypi: can run" in out
    twine = [line for line in out.splitlines() if line.strip().startswith("ok twine")]
    assert twine and twine[0].split()[2][0].isdigit()  # "ok twine 7.0.0 (...)": the version


def test_doctor_names_the_install_command_when_twine_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "twine", None)  # import twine now raises ImportError
    code, out, _ = run_cli(capsys, "-C", str(write_project(tmp_path / "p", PYPI)), "doctor")
    assert code == 0
    assert "NO publish.pypi: cannot run here" in out
    assert "twine missing (not on PATH); install: python -m pip install twine" in out
    assert "install: \n" not in out + "\n" and not out.rstrip().endswith("install:")


def test_doctor_without_a_shipyard_table_points_at_projects_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    root = write_project(tmp_path / "repo", "")
    write_project(root / "examples" / "demo", "[tool.shipyard.sidecar]\n")
    write_project(root / "examples" / "plain", "")
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor")
    assert code == 0
    assert "none configured" in out
    assert "projects below that configure shipyard: examples/demo\n" in out
    assert "shipyard -C examples/demo doctor" in out


def test_doctor_check_exits_five_when_a_configured_stage_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    root = write_project(tmp_path / "p", "[tool.shipyard.kernels]\n")
    code, _, err = run_cli(capsys, "-C", str(root), "doctor", "--check")
    assert code == 5
    assert "configured stages cannot run on this host: kernels" in err


def test_doctor_check_passes_when_kernels_may_be_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    root = write_project(tmp_path / "p", '[tool.shipyard.kernels]\nmissing-toolchain = "skip"\n')
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor", "--check")
    assert code == 0
    assert "ok kernels: can run" in out and "pure, without kernels" in out


def test_doctor_check_passes_with_nothing_configured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    code, out, _ = run_cli(capsys, "-C", str(write_project(tmp_path / "p", "")), "doctor", "--check")
    assert code == 0 and "none configured" in out


def test_doctor_json_lists_every_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    root = write_project(tmp_path / "p", "[tool.shipyard.kernels]\n")
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["tools"]["metal"]["present"] is False
    assert data["tools"]["pip"]["present"] is True
    assert data["stages"] == [{"stage": "kernels", "can_run": False, "reasons": data["stages"][0]["reasons"]}]


def test_doctor_says_an_app_with_a_dmg_needs_xorrisofs_off_macos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apple_tools: None
) -> None:
    app = '[tool.shipyard.app]\nidentifier = "com.example.demo"\n'
    root = write_project(tmp_path / "p", app + 'installers = ["zip", "pkg", "dmg"]\n')
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor")
    assert code == 0 and "NO app: cannot run here" in out
    assert "xorrisofs missing (not on PATH); install: apt-get install xorriso" in out
    assert "drop dmg here" in out
    root = write_project(tmp_path / "q", app)
    code, out, _ = run_cli(capsys, "-C", str(root), "doctor", "--check")
    assert code == 0 and "ok app: can run" in out
