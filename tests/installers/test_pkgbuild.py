"""On macOS the pkg comes from pkgbuild + productbuild: their strict fakes check the command
lines and write real XARs, which apple-platform-py reads back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from apple_platform import packaging

from shipyard.config.loader import load_project
from shipyard.installers.stage import build_installer
from shipyard.manifest import Manifest
from shipyard.plugins.manager import plugins
from shipyard.stages import StageContext
from shipyard.tools.runner import Runner
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli


@pytest.mark.parametrize("identity", ["", "Developer ID Installer: Example (TEAM123456)"])
def test_pkgbuild_and_productbuild_command_lines(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str], fakes_path: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: str) -> None:
    project = app_project(daemon=True)
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "")
    assert code == 0, err
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    env = {"APPLE_DEVELOPER_ID_INSTALLER": identity} if identity else {}
    loaded = load_project(project, env=env)
    dist = project / "dist"
    ctx = StageContext(project=loaded, runner=Runner(echo=False), plugins=plugins(),
                       out_dir=dist, options={"pkg_writer": "pkgbuild"})
    app = Manifest.load(dist).find(kind="app")[0]
    artifact = build_installer(ctx, app, "pkg")
    assert artifact.signed is bool(identity)
    calls = read_calls(log)
    assert [c["tool"] for c in calls] == ["pkgbuild", "productbuild"]
    build = calls[0]["argv"]
    assert build[2:8] == ["--identifier", "com.example.demo", "--version", "1.2.3",
                          "--install-location", "/Applications"]
    assert build[8] == "--scripts" and build[-1].endswith("com.example.demo.pkg")
    assert ("--sign" in calls[1]["argv"]) is bool(identity)
    info = packaging.pkg_info(str(dist / "Demo-1.2.3.pkg"))
    assert info["distribution"]["options"]["hostArchitectures"] == "arm64"
    (component,) = info["components"]
    assert component["package_info"]["identifier"] == "com.example.demo"
    assert not [p for p in dist.iterdir() if p.name.startswith(".")]  # no staging left


def test_a_failing_pkgbuild_leaves_no_pkg(app_project: Callable[..., Path],
                                         capsys: pytest.CaptureFixture[str],
                                         fakes_path: Path) -> None:
    project = app_project()
    run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar", "--installers", "")
    loaded = load_project(project, env={}, overrides={"package.install-location": "Applications"})
    dist = project / "dist"
    ctx = StageContext(project=loaded, runner=Runner(echo=False), plugins=plugins(),
                       out_dir=dist, options={"pkg_writer": "pkgbuild"})
    from shipyard.errors import CommandError

    with pytest.raises(CommandError, match="install-location must be absolute"):
        build_installer(ctx, Manifest.load(dist).find(kind="app")[0], "pkg")
    assert not list(dist.glob("*.pkg")) and not [p for p in dist.iterdir()
                                                 if p.name.startswith(".")]
