"""The demo's wheel through the `shipyard-metal` hatch hook, and its cibuildwheel set-up."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.kernels.conftest import FakeLog

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _hook_installed() -> bool:
    return any(ep.value == "shipyard.hatch_build.hooks"
               for ep in importlib.metadata.entry_points(group="hatch"))


@pytest.fixture(scope="module", autouse=True)
def shipyard_installed() -> None:
    """hatchling finds the hook through the `hatch` entry point: shipyard must be installed."""
    if not _hook_installed():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)],
                       check=True, timeout=600)
        importlib.invalidate_caches()
    if not _hook_installed():
        pytest.skip("shipyard is not installed in this environment (pip install -e .)")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of examples/demo with the top-level kernels/ beside it, as in the repository."""
    shutil.copytree(ROOT / "kernels", tmp_path / "kernels")
    target = tmp_path / "examples" / "demo"
    shutil.copytree(ROOT / "examples" / "demo", target,
                    ignore=shutil.ignore_patterns("build", "dist", ".shipyard-cache", "*.egg-info"))
    return target


def build_wheel(demo: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "MACOSX_DEPLOYMENT_TARGET": "14.0", "ARCHFLAGS": "-arch arm64", **env}
    return subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                           str(out), str(demo)], capture_output=True, text=True, env=full,
                          cwd=demo, timeout=900, check=False)


def test_demo_wheel_is_arm64_with_metallibs_and_rebuilds_incrementally(
        demo: Path, tmp_path: Path, fake_log: FakeLog) -> None:
    done = build_wheel(demo, tmp_path / "wheels")
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    assert wheel.name == "shipyard_demo-0.7.3-py3-none-macosx_14_0_arm64.whl"
    names = zipfile.ZipFile(wheel).namelist()
    for member in ("kernels.json", "float16/kernels.metallib", "bfloat16/kernels.metallib",
                   "add_float16.metallib", "sum_bfloat16.metallib"):
        assert f"shipyard_demo/kernels/{member}" in names
    assert "Root-Is-Purelib: false" in zipfile.ZipFile(wheel).read(
        "shipyard_demo-0.7.3.dist-info/WHEEL").decode()
    assert len(fake_log.compiles()) == 10

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    check = subprocess.run([sys.executable, "-m", "shipyard_demo.kernels", "--check"],
                           capture_output=True, text=True, check=False,
                           env={**os.environ, "PYTHONPATH": f"{installed}{os.pathsep}{ROOT}"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": match") == 12

    fake_log.clear()
    assert build_wheel(demo, tmp_path / "wheels").returncode == 0
    assert fake_log.calls() == [], "a no-op wheel build must start no compiler (nor xcrun)"

    with open(demo.parent.parent / "kernels" / "reduce.h", "a") as handle:
        handle.write("// tweak\n")
    assert build_wheel(demo, tmp_path / "wheels").returncode == 0
    assert sorted(fake_log.compiles()) == sorted(
        f"{k}.metal -DT={t} -DACC=float" for k in ("sum", "max") for t in ("half", "bfloat"))


def test_x86_64_target_fails_early(demo: Path, tmp_path: Path, fake_log: FakeLog) -> None:
    done = build_wheel(demo, tmp_path / "wheels", ARCHFLAGS="-arch x86_64")
    assert done.returncode != 0
    assert "targets x86_64 (ARCHFLAGS)" in done.stdout + done.stderr
    assert "Apple Silicon (arm64) only" in done.stdout + done.stderr
    assert fake_log.calls("metal") == []


def test_cibuildwheel_lists_only_arm64_identifiers() -> None:
    if importlib.util.find_spec("cibuildwheel") is None:
        pytest.skip("cibuildwheel is not installed (pip install cibuildwheel)")
    # through this interpreter: an un-activated venv's bin/ is not on PATH
    done = subprocess.run([sys.executable, "-m", "cibuildwheel", "--platform", "macos", "--print-build-identifiers"],
                          cwd=ROOT / "examples" / "demo", capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    identifiers = done.stdout.split()
    assert identifiers and all(i.endswith("-macosx_arm64") for i in identifiers), identifiers


def test_wheel_stage_records_the_wheel(demo: Path, fake_log: FakeLog,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.cli import main

    monkeypatch.setenv("ARCHFLAGS", "-arch arm64")
    monkeypatch.setenv("MACOSX_DEPLOYMENT_TARGET", "14.0")
    assert main(["-C", str(demo), "wheel", "--no-isolation"]) == 0
    manifest = json.loads((demo / "dist" / "manifest.json").read_text())
    (wheel,) = [a for a in manifest["artifacts"] if a["kind"] == "wheel"]
    assert wheel["name"] == "shipyard_demo-0.7.3-py3-none-macosx_14_0_arm64.whl"
    assert wheel["target"] == "macosx_14_0_arm64" and wheel["stage"] == "wheel"
