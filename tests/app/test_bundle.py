"""`shipyard app build` assembles the documented layout, read back by apple-platform-py."""

from __future__ import annotations

import base64
import json
import plistlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from apple_platform import packaging

from shipyard.app import bundle
from shipyard.manifest import Manifest
from tests.helpers import run_cli

KEY = "ZmFrZS1lZDI1NTE5LXB1YmxpYy1rZXktMzItYnl0ZXM="  # base64 of 32 bytes


def build(capsys: pytest.CaptureFixture[str], project: Path, *extra: str) -> str:
    code, out, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                             "--installers", "", *extra)
    assert code == 0, err
    return out


def test_layout_and_info_plist(app_project: Callable[..., Path],
                               capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project()
    assert build(capsys, project).split() == ["Demo.app"]
    app = project / "dist" / "Demo.app"
    contents = app / "Contents"
    for relative in ("MacOS/tool", "Frameworks/Fake.framework/Versions/A/Fake",
                     "Resources/ui/index.html", "Resources/defaults/server.yaml",
                     "Resources/tool/bin/tool", "Resources/licenses/NOTICE", "PkgInfo"):
        assert (contents / relative).is_file(), relative
    assert (contents / "Frameworks/Fake.framework/Versions/Current").readlink() == Path("A")
    info = plistlib.loads((contents / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == "com.example.demo"
    assert info["CFBundleExecutable"] == "tool"
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == "1.2.3"
    assert info["LSMinimumSystemVersion"] == "14.0"
    assert info["LSArchitecturePriority"] == ["arm64"]
    assert info["CFBundlePackageType"] == "APPL"
    assert not [k for k in info if k.startswith(("SU", "NS")) and k != "NSHighResolutionCapable"]
    read = packaging.bundle_info(str(app))  # a reader nobody here wrote
    assert (read["package_type"], read["identifier"], read["main_executable"], read["version"]) \
        == ("App", "com.example.demo", "tool", "1.2.3")


def test_privacy_and_update_keys_only_when_configured(app_project: Callable[..., Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project(f'feed-url = "https://example.com/appcast.xml"\n'
                          f'public-ed-key = "{KEY}"\n'
                          '[tool.shipyard.app.privacy]\n'
                          'NSMicrophoneUsageDescription = "Dictation"\n')
    build(capsys, project)
    info = plistlib.loads((project / "dist/Demo.app/Contents/Info.plist").read_bytes())
    assert info["SUFeedURL"] == "https://example.com/appcast.xml"
    assert info["SUPublicEDKey"] == KEY
    assert info["NSMicrophoneUsageDescription"] == "Dictation"


def test_licenses_of_every_bundled_distribution(app_project: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project()
    build(capsys, project)
    licenses = project / "dist/Demo.app/Contents/Resources/licenses"
    found = sorted(p.relative_to(licenses).as_posix() for p in licenses.rglob("*") if p.is_file())
    assert found == ["NOTICE", "mlx-0.32.4/LICENSE", "python-3.12/LICENSE.txt",
                     "tqdm-4.67.1/LICENCE"]
    entry = Manifest.load(project / "dist").find(kind="app")[0]
    assert entry.extra["licenses"] == 4 and entry.signed is False and len(entry.sha256) == 64


def test_launcher_runs_the_sidecar_shim_even_through_a_symlink(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    project = app_project()
    build(capsys, project)
    launcher = project / "dist/Demo.app/Contents/MacOS/tool"
    link = tmp_path / "bin" / "tool"
    link.parent.mkdir()
    link.symlink_to(launcher)  # what install-daemon puts in Application Support
    for program in (launcher, link):
        done = subprocess.run(["sh", str(program), "serve", "--port", "1"], capture_output=True,
                              text=True, check=True)
        assert done.stdout == "sidecar ran with: serve --port 1\n"


def test_a_failed_assembly_leaves_the_previous_app_and_no_staging(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project = app_project()
    build(capsys, project)
    before = (project / "dist/Demo.app/Contents/Info.plist").read_bytes()

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bundle, "add_info_plist", broken)
    code, _, _ = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                         "--installers", "")
    assert code == 1
    dist = project / "dist"
    assert sorted(p.name for p in dist.iterdir() if p.name.startswith(".")) == []
    assert (dist / "Demo.app/Contents/Info.plist").read_bytes() == before


def test_a_rebuild_gives_the_same_tree_digest(app_project: Callable[..., Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project()
    build(capsys, project)
    first = Manifest.load(project / "dist").find(kind="app")[0].sha256
    build(capsys, project)
    assert Manifest.load(project / "dist").find(kind="app")[0].sha256 == first


def test_app_without_sidecar_in_manifest_says_what_to_run(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project()
    (project / "dist" / "manifest.json").write_text(json.dumps({"artifacts": []}))
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar")
    assert code == 1
    assert "records no sidecar tarball" in err and "shipyard sidecar build" in err
    assert not (project / "dist" / "Demo.app").exists()


def test_update_keys_come_from_the_updates_config_when_the_app_sets_none(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The app reads the feed the appcast stage publishes and trusts the key it signs with."""
    project = app_project('\n[tool.shipyard.updates]\n'
                          'feed-url = "https://updates.example.com/{file}"\n'
                          'download-url = "https://example.com/{tag}/{name}"\n')
    code, out, err = run_cli(capsys, "-C", str(project), "keys", "generate",
                             "--key-file", str(project / "sparkle.key"))
    assert code == 0, err
    ring = json.loads((project / "sparkle-keys.json").read_text())
    build(capsys, project)
    info = plistlib.loads((project / "dist/Demo.app/Contents/Info.plist").read_bytes())
    assert info["SUFeedURL"] == "https://updates.example.com/appcast.xml"
    assert info["SUPublicEDKey"] in json.dumps(ring)
    assert len(base64.b64decode(info["SUPublicEDKey"])) == 32
