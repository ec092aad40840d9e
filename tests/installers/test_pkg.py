"""The flat-package writer, read back by readers nobody here wrote: apple-platform-py's pkg
reader, cpio, bsdtar and 7z; and the Bom, by a reader separate from its writer."""

from __future__ import annotations

import gzip
import io
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from apple_platform import packaging

from shipyard.installers.bom import bom_bytes, cksum
from shipyard.installers.cpio import payload_entries
from tests.helpers import run_cli
from tests.installers.bomreader import read_bom
from tests.system_tools import require_tool

COMPONENT = "com.example.demo.pkg"


@pytest.fixture
def built(app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> Path:
    project = app_project(daemon=True)
    code, out, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar")
    assert code == 0, err
    assert out.split() == ["Demo.app", "Demo-1.2.3.zip", "Demo-1.2.3.pkg"]
    return project / "dist"


def app_paths(app: Path) -> set[str]:
    """Every path of the app as apple-platform-py lists it, plus the folders."""
    files = {f"./Demo.app/{f['relative_path']}" for f in packaging.bundle_files(str(app))}
    folders = {"./Demo.app/" + p.relative_to(app).as_posix() for p in app.rglob("*")
               if p.is_dir() and not p.is_symlink()}
    return files | folders | {".", "./Demo.app"}


def member(pkg: Path, name: str) -> bytes:
    return packaging.pkg_extract_member(str(pkg), f"{COMPONENT}/{name}")


def test_distribution_and_package_info(built: Path) -> None:
    pkg = built / "Demo-1.2.3.pkg"
    info = packaging.pkg_info(str(pkg))
    dist = info["distribution"]
    assert dist["options"]["hostArchitectures"] == "arm64"
    assert [r["id"] for r in dist["pkg-ref"]] == ["com.example.demo"]
    assert dist["pkg-ref"][0]["version"] == "1.2.3"
    assert dist["product"] == {"id": "com.example.demo", "version": "1.2.3"}
    (component,) = info["components"]
    assert component["has_bom"]
    pinfo = component["package_info"]
    assert (pinfo["identifier"], pinfo["version"], pinfo["install-location"]) == (
        "com.example.demo", "1.2.3", "/Applications")
    assert pinfo["scripts"]["$value"][0]["postinstall"]["file"] == "./postinstall"
    assert pinfo["payload"]["numberOfFiles"] == len(app_paths(built / "Demo.app"))


def test_bom_lists_the_same_paths_as_the_app(built: Path) -> None:
    app = built / "Demo.app"
    listed = read_bom(member(built / "Demo-1.2.3.pkg", "Bom"))
    assert {p.path for p in listed} == app_paths(app)
    by_path = {p.path: p for p in listed}
    launcher = by_path["./Demo.app/Contents/MacOS/tool"]
    assert launcher.type == 1 and stat.S_IMODE(launcher.mode) == 0o755
    assert launcher.size == (app / "Contents/MacOS/tool").stat().st_size
    assert launcher.checksum == cksum([(app / "Contents/MacOS/tool").read_bytes()])
    current = by_path["./Demo.app/Contents/Frameworks/Fake.framework/Versions/Current"]
    assert (current.type, current.link) == (3, "A")
    assert {(p.uid, p.gid) for p in listed} == {(0, 0)}


def test_bom_with_many_paths_uses_a_branch_node(tmp_path: Path) -> None:
    app = tmp_path / "Big.app"
    (app / "Contents").mkdir(parents=True)
    for i in range(700):
        (app / "Contents" / f"f{i:04}").write_text(str(i))
    entries = payload_entries(app)
    listed = read_bom(bom_bytes(entries, mtime=315532800))
    assert [p.path for p in listed][:3] == [".", "./Big.app", "./Big.app/Contents"]
    assert {p.path for p in listed} == {e.name for e in entries}


@pytest.mark.integration
def test_payload_read_by_cpio_and_bsdtar(built: Path, tmp_path: Path) -> None:
    app = built / "Demo.app"
    payload = tmp_path / "Payload"
    payload.write_bytes(member(built / "Demo-1.2.3.pkg", "Payload"))
    cpio, bsdtar = require_tool("cpio"), require_tool("bsdtar")
    listing = subprocess.run([cpio, "-it"], input=gzip.decompress(payload.read_bytes()),
                             capture_output=True, check=True).stdout.decode().split("\n")
    assert set(filter(None, listing)) == app_paths(app)
    verbose = subprocess.run([bsdtar, "-tvf", str(payload)], capture_output=True, text=True,
                             check=True).stdout
    assert "./Demo.app/Contents/Frameworks/Fake.framework/Versions/Current -> A" in verbose
    assert all(" 0 " in line or " root " in line for line in verbose.splitlines())
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run([bsdtar, "-xf", str(payload), "-C", str(out)], check=True)
    assert (out / "Demo.app/Contents/MacOS/tool").read_bytes() == \
        (app / "Contents/MacOS/tool").read_bytes()
    assert (out / "Demo.app/Contents/MacOS/tool").stat().st_mode & 0o111
    scripts = gzip.decompress(member(built / "Demo-1.2.3.pkg", "Scripts"))
    names = subprocess.run([cpio, "-it"], input=scripts, capture_output=True,
                           check=True).stdout.decode().split()
    assert names == [".", "./postinstall"]


@pytest.mark.integration
def test_7z_lists_the_xar_members(built: Path) -> None:
    done = subprocess.run([require_tool("7z"), "l", str(built / "Demo-1.2.3.pkg")], capture_output=True,
                          text=True, check=True).stdout
    for name in ("Distribution", f"{COMPONENT}/Bom", f"{COMPONENT}/PackageInfo",
                 f"{COMPONENT}/Payload", f"{COMPONENT}/Scripts"):
        assert name in done


@pytest.mark.integration
def test_cksum_matches_the_posix_cksum_program() -> None:
    for data in (b"", b"a", b"hello world\n", bytes(range(256)) * 1000):
        out = subprocess.run(["cksum"], input=data, capture_output=True, check=True).stdout
        assert cksum([data[:7], data[7:]]) == int(out.split()[0])


def test_two_builds_are_byte_identical(app_project: Callable[..., Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project(daemon=True)
    outputs = []
    for _ in range(2):
        code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar")
        assert code == 0, err
        outputs.append({n: (project / "dist" / n).read_bytes()
                        for n in ("Demo-1.2.3.pkg", "Demo-1.2.3.zip")})
    assert outputs[0] == outputs[1]


def test_source_date_epoch_sets_every_timestamp(app_project: Callable[..., Path],
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = app_project()
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "pkg")
    assert code == 0, err
    bom = packaging.pkg_extract_member(str(project / "dist/Demo-1.2.3.pkg"), f"{COMPONENT}/Bom")
    assert {p.mtime for p in read_bom(bom)} == {1700000000}
    payload = gzip.decompress(packaging.pkg_extract_member(
        str(project / "dist/Demo-1.2.3.pkg"), f"{COMPONENT}/Payload"))
    assert io.BytesIO(payload).read(6) == b"070707"
    assert payload[48:59] == b"%011o" % 1700000000


def test_package_stage_formats_use_the_same_installers_for_apps(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project('\n[tool.shipyard.package]\nformats = ["zip", "pkg"]\n')
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "pkg")
    assert code == 0, err
    first = (project / "dist/Demo-1.2.3.pkg").read_bytes()
    from shipyard.config.loader import load_project
    from shipyard.manifest import Manifest
    from shipyard.plugins.manager import plugins
    from shipyard.release.package import run
    from shipyard.stages import StageContext
    from shipyard.tools.runner import Runner

    ctx = StageContext(project=load_project(project, env={}), runner=Runner(echo=False),
                       plugins=plugins(), out_dir=project / "dist")
    made = {a.name for a in run(ctx)}
    assert {"Demo-1.2.3.zip", "Demo-1.2.3.pkg"} <= made
    assert (project / "dist/Demo-1.2.3.pkg").read_bytes() == first
    assert {a.kind for a in Manifest.load(project / "dist").artifacts
            if a.name.startswith("Demo-")} == {"zip", "pkg"}
