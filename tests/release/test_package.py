from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from shipyard.config.loader import Project
from shipyard.config.model import PackageConfig, ShipyardConfig
from shipyard.errors import ToolMissingError
from shipyard.manifest import Artifact, Manifest
from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.release.package import run
from shipyard.stages import StageContext
from shipyard.tools import Runner


def _ctx(root: Path, formats: list[str]) -> StageContext:
    config = ShipyardConfig(package=PackageConfig(formats=formats, identifier="com.example.demo"))
    project = Project(root=root, name="demo", version="1.0.0", config=config)
    return StageContext(project=project, runner=Runner(echo=False), out_dir=root / "dist",
                        plugins=PluginSet(make_manager(entry_points=False)))


def _xcframework(dist: Path) -> None:
    fw = dist / "Core.xcframework" / "macos-arm64"
    fw.mkdir(parents=True)
    (fw / "libcore.a").write_bytes(b"archive")
    manifest = Manifest(dist)
    manifest.record(Artifact(name="Core.xcframework", path="Core.xcframework", kind="xcframework",
                             signed=True))
    manifest.save()


def test_zip_and_tar_gz_are_recorded_and_reproducible(tmp_path: Path) -> None:
    _xcframework(tmp_path / "dist")
    made = run(_ctx(tmp_path, ["zip", "tar.gz"]))
    assert [(a.name, a.kind, a.stage, a.signed) for a in made] == [
        ("Core.xcframework.zip", "zip", "package", True),
        ("Core.xcframework.tar.gz", "tar.gz", "package", True)]
    names = zipfile.ZipFile(tmp_path / "dist" / "Core.xcframework.zip").namelist()
    assert "Core.xcframework/macos-arm64/libcore.a" in names
    again = run(_ctx(tmp_path, ["zip", "tar.gz"]))
    assert [a.sha256 for a in again] == [a.sha256 for a in made]
    assert {a.name for a in Manifest.load(tmp_path / "dist").artifacts} >= {a.name for a in made}


@pytest.mark.skipif(sys.platform == "darwin", reason="checks the non-macOS message")
def test_dmg_off_macos_without_xorrisofs_is_a_clear_tool_missing_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.tools.xorrisofs import Xorrisofs

    monkeypatch.setattr(Xorrisofs, "which", lambda self: None)
    dist = tmp_path / "dist"
    (dist / "Demo.app" / "Contents").mkdir(parents=True)
    manifest = Manifest(dist)
    manifest.record(Artifact(name="Demo.app", path="Demo.app", kind="app"))
    manifest.save()
    with pytest.raises(ToolMissingError, match="xorrisofs") as info:
        run(_ctx(tmp_path, ["dmg"]))
    assert "apt-get install xorriso" in info.value.hint
    assert not list(dist.glob("*.dmg")) and not list(dist.glob(".dmg-*"))
