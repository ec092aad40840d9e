"""The committed demo, for real: `shipyard app build` on this host makes Demo.app around the
demo's sidecar plus the zip, pkg and dmg; each is read back by readers shipyard did not write
and two builds are byte-identical."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from apple_platform import packaging

from tests.installers.bomreader import read_bom
from tests.system_tools import require_tool

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
IDENT = "com.example.shipyard-demo"


def build(out: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT_DIR", "SOURCE_DATE_EPOCH")}
    done = subprocess.run([sys.executable, "-m", "shipyard", "-C", str(DEMO), "app", "build",
                           "--out-dir", str(out)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["Demo.app", "Demo-0.7.3.zip", "Demo-0.7.3.pkg",
                                   "Demo-0.7.3.dmg"]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if sys.platform != "darwin":
        require_tool("xorrisofs")  # the demo's installers include a dmg
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    build(first)
    build(second)
    return first, second


def test_demo_app_holds_the_sidecar_and_runs(two_builds: tuple[Path, Path]) -> None:
    app = two_builds[0] / "Demo.app"
    assert (app / "Contents/Resources/shipyard-demo/bin/shipyard-demo").is_file()
    assert (app / "Contents/Resources/daemon/install-daemon").is_file()
    assert (app / "Contents/Resources/licenses/shipyard_demo-0.7.3").is_dir()
    info = packaging.bundle_info(str(app))
    assert (info["identifier"], info["version"], info["main_executable"]) == (
        IDENT, "0.7.3", "shipyard-demo")
    done = subprocess.run([str(app / "Contents/MacOS/shipyard-demo"), "--version"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "shipyard-demo 0.7.3", done.stderr


def test_demo_pkg_read_back_lists_the_app(two_builds: tuple[Path, Path], tmp_path: Path) -> None:
    out = two_builds[0]
    pkg = out / "Demo-0.7.3.pkg"
    info = packaging.pkg_info(str(pkg))
    assert info["distribution"]["options"]["hostArchitectures"] == "arm64"
    assert info["distribution"]["product"] == {"id": IDENT, "version": "0.7.3"}
    app = out / "Demo.app"
    expected = {f"./Demo.app/{f['relative_path']}" for f in packaging.bundle_files(str(app))}
    expected |= {"./Demo.app/" + p.relative_to(app).as_posix() for p in app.rglob("*")
                 if p.is_dir() and not p.is_symlink()} | {".", "./Demo.app"}
    bom = read_bom(packaging.pkg_extract_member(str(pkg), f"{IDENT}.pkg/Bom"))
    assert {p.path for p in bom} == expected
    payload = gzip.decompress(packaging.pkg_extract_member(str(pkg), f"{IDENT}.pkg/Payload"))
    listed = subprocess.run([require_tool("cpio"), "-it"], input=payload, capture_output=True,
                            check=True).stdout.decode().splitlines()
    assert set(listed) == expected
    raw = tmp_path / "Payload"
    raw.write_bytes(gzip.compress(payload))
    bsdtar = subprocess.run([require_tool("bsdtar"), "-tf", str(raw)], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert set(bsdtar) == expected


def test_two_builds_are_byte_identical(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    for name in ("Demo-0.7.3.zip", "Demo-0.7.3.pkg", "Demo-0.7.3.dmg"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_demo_zip_and_dmg_read_back_list_the_app(two_builds: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    out = two_builds[0]
    zipped = subprocess.run(["bsdtar", "-tf", str(out / "Demo-0.7.3.zip")], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert "Demo.app/Contents/Info.plist" in zipped
    dmg = out / "Demo-0.7.3.dmg"
    (hfs,) = [p for p in packaging.dmg_info(str(dmg))["partitions"] if "Apple_HFS" in p["name"]]
    volume = tmp_path / "volume.hfs"
    volume.write_bytes(packaging.dmg_extract_partition(str(dmg), hfs["index"]))
    listed = subprocess.run(["7z", "l", "-slt", str(volume)], capture_output=True, text=True,
                            check=True).stdout
    assert "Path = Demo/Demo.app/Contents/Info.plist" in listed
    assert "Path = Demo/Demo.app/Contents/MacOS/shipyard-demo" in listed
    assert "Path = Demo/Applications" in listed
