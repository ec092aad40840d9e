"""Tool objects: verify() reports presence, version and the exact install hint."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from shipyard.errors import ToolMissingError
from shipyard.tools import ALL_TOOLS, Codesign, Git, Metal, Pip, Runner, Xcrun
from shipyard.tools.xcrun import METAL_TOOLCHAIN_HINT, XcodeSelect

EXPECTED = {"xcrun", "metal", "metallib", "notarytool", "stapler", "codesign", "security", "spctl",
            "hdiutil", "pkgbuild", "productbuild", "ditto", "xorrisofs", "7z", "git", "npm", "uv", "pip",
            "container"}


def quiet() -> Runner:
    return Runner(echo=False)


def write_tool(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_every_documented_tool_has_an_object() -> None:
    assert {cls.name for cls in ALL_TOOLS} == EXPECTED


def test_absent_macos_tool_reports_the_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    status = Codesign(quiet()).verify()
    assert not status.present and status.detail == "not on PATH"
    if sys.platform != "darwin":
        assert "macOS only" in status.hint
    with pytest.raises(ToolMissingError):
        Codesign(quiet()).require()


def test_pip_reports_its_version() -> None:
    status = Pip(quiet()).verify()
    assert status.present and status.version[0].isdigit()


@pytest.mark.integration
def test_git_reports_its_version() -> None:
    status = Git(quiet()).verify()
    assert status.present and status.version.startswith("git version")


@pytest.mark.integration
def test_missing_metal_toolchain_names_the_download_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An xcrun that finds `metal` but cannot run it, with Xcode 26's exact error text.
    write_tool(tmp_path, "xcrun", "\n".join([
        "import sys",
        "a = sys.argv[1:]",
        "if a == ['--version']: print('xcrun version 72.'); sys.exit(0)",
        "if '--find' in a: print('/Xcode/usr/bin/metal'); sys.exit(0)",
        "print(\"error: cannot execute tool 'metal' due to missing Metal Toolchain; "
        "use: xcodebuild -downloadComponent MetalToolchain\", file=sys.stderr); sys.exit(1)",
    ]))
    write_tool(tmp_path, "xcode-select", "print('/Applications/Xcode-beta.app/Contents/Developer')")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    status = Metal(quiet()).verify()
    assert not status.present
    assert status.hint == METAL_TOOLCHAIN_HINT == "xcodebuild -downloadComponent MetalToolchain"
    assert "Metal Toolchain" in status.detail


@pytest.mark.integration
def test_developer_dir_comes_from_xcode_select(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_tool(tmp_path, "xcode-select", "print('/Library/Developer/CommandLineTools')")
    write_tool(tmp_path, "xcrun", "import os; print(os.environ.get('DEVELOPER_DIR', 'unset'))")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert XcodeSelect(quiet()).developer_dir() == "/Library/Developer/CommandLineTools"
    result = Xcrun(quiet()).run_tool("metal", ["--version"])
    assert result.stdout.strip() == "/Library/Developer/CommandLineTools"
