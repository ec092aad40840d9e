"""pip's installation report as a source of wheel hashes, checked against a real pip run."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard.sbom.wheelhashes import WheelHashLookup, pip_report_hashes
from shipyard.sidecar.install import InstallRequest, pip_argv
from shipyard.sidecar.target import Target
from shipyard.tools.runner import Runner

PROJECT = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n' \
          '[project]\nname = "Tiny_Pkg"\nversion = "1.0"\n'


def test_pip_is_asked_for_a_report_only_when_one_is_wanted() -> None:
    request = InstallRequest(site_packages=Path("/b/site"), target=Target("aarch64-apple-darwin"),
                             python_minor="3.12", requirements=["mlx"], requirements_file=None,
                             macos_version="14.0", report=Path("/w/pip-report.json"))
    argv = pip_argv(request, Runner())
    assert argv[argv.index("--report") + 1] == "/w/pip-report.json"
    assert argv[-1] == "mlx"


@pytest.mark.integration
def test_a_real_pip_report_gives_the_wheel_hash_and_no_local_path(tmp_path: Path) -> None:
    (tmp_path / "src" / "tiny_pkg").mkdir(parents=True)
    (tmp_path / "src" / "tiny_pkg" / "__init__.py").write_text("")
    (tmp_path / "src" / "pyproject.toml").write_text(PROJECT)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "w"),
                    str(tmp_path / "src")], check=True, capture_output=True)
    (wheel,) = (tmp_path / "w").glob("*.whl")
    report = tmp_path / "report.json"
    subprocess.run([*pip, "install", "--no-index", "--target", str(tmp_path / "site"),
                    "--report", str(report), str(wheel)], check=True, capture_output=True)
    found = WheelHashLookup(reported=pip_report_hashes(report)).find("tiny-pkg", "1.0",
                                                                     ["py3-none-any"])
    assert found.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert found.source == "pip report" and found.url == ""  # pip said file://…: not copied
    assert json.loads(report.read_text())["install"][0]["download_info"]["url"].startswith("file:")


def test_a_broken_report_gives_no_hashes(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text('{"install": [{"metadata": {"name": "x"}, "download_info": '
                      '{"archive_info": {"hashes": {"sha256": "short"}}}}]}')
    assert pip_report_hashes(report) == {}
    report.write_text("not json")
    assert pip_report_hashes(report) == {}
    assert pip_report_hashes(tmp_path / "missing.json") == {}
