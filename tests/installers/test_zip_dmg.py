"""The app's zip (laid out like `ditto -c -k --keepParent`) and the dmg's hdiutil command line."""

from __future__ import annotations

import stat
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.installers.dmg import build_dmg
from shipyard.manifest import Manifest
from shipyard.tools.runner import Runner
from tests.app.conftest import FAKE_DYLIB
from tests.helpers import run_cli
from tests.system_tools import require_tool


@pytest.fixture
def zipped(app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> Path:
    project = app_project()
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "zip")
    assert code == 0, err
    return project / "dist"


def test_zip_keeps_the_parent_symlinks_and_exec_bits(zipped: Path) -> None:
    with zipfile.ZipFile(zipped / "Demo-1.2.3.zip") as archive:
        infos = {i.filename: i for i in archive.infolist()}
        names = list(infos)
        assert names[0] == "Demo.app/" and all(n.startswith("Demo.app/") for n in names)
        link = infos["Demo.app/Contents/Frameworks/Fake.framework/Versions/Current"]
        assert stat.S_ISLNK(link.external_attr >> 16)
        assert archive.read(link) == b"A"
        launcher = infos["Demo.app/Contents/MacOS/tool"]
        assert stat.S_IMODE(launcher.external_attr >> 16) == 0o755
        assert stat.S_IMODE(infos["Demo.app/Contents/Info.plist"].external_attr >> 16) == 0o644
        assert {i.date_time for i in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
        assert all(i.extra == b"" for i in infos.values())  # no uid/gid extra fields
    entry = next(a for a in Manifest.load(zipped).artifacts if a.kind == "zip")
    assert entry.stage == "zip" and entry.extra["app"] == "Demo.app" and entry.signed is False


@pytest.mark.integration
def test_bsdtar_extracts_the_zip_with_links_and_modes(zipped: Path, tmp_path: Path) -> None:
    subprocess.run([require_tool("bsdtar"), "-xf", str(zipped / "Demo-1.2.3.zip"), "-C", str(tmp_path)],
                   check=True)
    framework = tmp_path / "Demo.app/Contents/Frameworks/Fake.framework"
    assert (framework / "Versions/Current").is_symlink()
    assert (framework / "Fake").read_bytes() == FAKE_DYLIB
    assert (tmp_path / "Demo.app/Contents/MacOS/tool").stat().st_mode & 0o111


def test_macos_dmg_command_line_holds_the_app_and_an_applications_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No fake hdiutil writes a real UDIF here, so the macOS path is checked as a dry run:
    the exact hdiutil command, and the folder it would image."""
    from shipyard.tools.hdiutil import Hdiutil

    app = tmp_path / "Demo.app"
    (app / "Contents").mkdir(parents=True)
    monkeypatch.setattr(Hdiutil, "require", lambda self: None)
    seen: list[list[str]] = []

    class Watching(Runner):
        def run(self, argv, **kwargs):  # type: ignore[no-untyped-def, override]
            source = Path(argv[argv.index("-srcfolder") + 1])
            seen.append(sorted(p.name for p in source.iterdir()))
            assert (source / "Applications").readlink() == Path("/Applications")
            return super().run(argv, **kwargs)

    runner = Watching(dry_run=True, echo=False)
    build_dmg(app, tmp_path / "Demo-1.0.0.dmg", volume_name="Demo", runner=runner, macos=True)
    assert seen == [["Applications", "Demo.app"]]
    (command,) = runner.history
    assert command.startswith("hdiutil create -volname Demo -srcfolder ")
    assert "-ov -format UDZO " in command and command.endswith("Demo-1.0.0.dmg")
    assert not (tmp_path / "Demo-1.0.0.dmg").exists()  # a dry run writes nothing
