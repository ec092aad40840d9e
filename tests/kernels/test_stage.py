"""`shipyard kernels build` (the kernels stage) records its outputs in dist/manifest.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.cli import main
from shipyard.errors import ConfigError
from shipyard.kernels.wheel_tag import platform_tag
from tests.kernels.conftest import FakeLog


def test_build_records_metallibs_and_catalog(kernel_project: Path, fake_log: FakeLog,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(kernel_project), "kernels", "build", "-j", "2"]) == 0
    printed = capsys.readouterr().out.split()
    assert "kernels/kernels.json" in printed and "kernels/float16/kernels.metallib" in printed
    manifest = json.loads((kernel_project / "dist" / "manifest.json").read_text())
    kinds = {a["path"]: a["kind"] for a in manifest["artifacts"]}
    assert kinds["kernels/kernels.json"] == "kernels-json"
    assert kinds["kernels/add_float16.metallib"] == "metallib"
    assert all(a["stage"] == "kernels" and len(a["sha256"]) == 64 for a in manifest["artifacts"])


def test_dry_run_prints_the_plan_and_changes_nothing(kernel_project: Path, fake_log: FakeLog,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(kernel_project), "--dry-run", "kernels", "build"]) == 0
    err = capsys.readouterr().err
    assert "[dry-run] $ xcrun -sdk macosx metal -x metal -Wall" in err
    assert "6 to compile, 8 to link" in err
    assert not (kernel_project / "dist").exists()


@pytest.mark.parametrize("env, tag", [
    ({}, "macosx_14_0_arm64"),
    ({"MACOSX_DEPLOYMENT_TARGET": "11.0", "ARCHFLAGS": "-arch arm64"}, "macosx_14_0_arm64"),
    ({"MACOSX_DEPLOYMENT_TARGET": "15.2"}, "macosx_15_0_arm64"),
    ({"_PYTHON_HOST_PLATFORM": "macosx-14.0-arm64"}, "macosx_14_0_arm64"),
])
def test_platform_tag(env: dict[str, str], tag: str) -> None:
    assert platform_tag(env, "14.0") == tag


@pytest.mark.parametrize("env", [{"ARCHFLAGS": "-arch x86_64"},
                                 {"ARCHFLAGS": "-arch arm64 -arch x86_64"},
                                 {"_PYTHON_HOST_PLATFORM": "macosx-10.9-x86_64"}])
def test_x86_64_targets_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="arm64"):
        platform_tag(env, "14.0")
