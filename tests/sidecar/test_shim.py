"""The shim under sh, dash and bash: from any directory, through a symlink, env pinned."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shipyard.sidecar.layout import BundleLayout, write_shim
from tests.system_tools import require_tool

pytestmark = pytest.mark.integration

FAKE_PYTHON = """#!/bin/sh
echo "home=$PYTHONHOME"
echo "path=$PYTHONPATH"
echo "nousersite=$PYTHONNOUSERSITE"
for arg in "$@"; do echo "arg=$arg"; done
"""


@pytest.fixture
def bundle(tmp_path: Path) -> BundleLayout:
    layout = BundleLayout(tmp_path / "dir with space" / "demo", "demo", "3.12")
    layout.interpreter.parent.mkdir(parents=True)
    layout.interpreter.write_text(FAKE_PYTHON)
    layout.interpreter.chmod(0o755)
    write_shim(layout, "demo.cli:main")
    return layout


def run(shell: str, script: Path, cwd: Path) -> list[str]:
    result = subprocess.run([require_tool(shell), str(script), "--version", "a b"], cwd=cwd, check=True,
                            capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "/host/leak",
                                 "PYTHONHOME": "/host/home"})
    return result.stdout.splitlines()


def expected(layout: BundleLayout) -> list[str]:
    root = layout.root.resolve()
    return [f"home={root}/python", f"path={root}/site-packages", "nousersite=1"]


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_shim_pins_the_environment_from_any_directory(shell: str, bundle: BundleLayout,
                                                      tmp_path: Path) -> None:
    lines = run(shell, bundle.shim, cwd=tmp_path)
    assert lines[:3] == expected(bundle)
    assert lines[-2:] == ["arg=--version", "arg=a b"]
    assert any("sys.argv[0] = 'demo'" in line for line in lines)


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
@pytest.mark.parametrize("absolute", [True, False])
def test_shim_through_a_symlink(shell: str, absolute: bool, bundle: BundleLayout,
                                tmp_path: Path) -> None:
    links = tmp_path / "elsewhere" / "bin"
    links.mkdir(parents=True)
    link = links / "demo"
    link.symlink_to(bundle.shim if absolute else Path("../..") / bundle.shim.relative_to(tmp_path))
    assert link.resolve() == bundle.shim.resolve()
    assert run(shell, link, cwd=Path("/"))[:3] == expected(bundle)


def test_shim_is_executable_directly(bundle: BundleLayout, tmp_path: Path) -> None:
    result = subprocess.run([str(bundle.shim)], cwd=tmp_path, capture_output=True, text=True,
                            check=True, env={"PATH": "/usr/bin:/bin"})
    assert result.stdout.splitlines()[:3] == expected(bundle)
