"""An app project with a sidecar tarball already recorded in its manifest (no PBS build)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.archives import DEFAULT_EPOCH, write_tarball
from shipyard.manifest import Artifact, record_artifact
from tests.signing.machofab import DYLIB, macho_bytes

FAKE_DYLIB = macho_bytes(DYLIB, install_name="@rpath/Fake.framework/Versions/A/Fake")

SIDECAR = "tool"
APP_TOML = """
[tool.shipyard.sidecar]
name = "tool"

[tool.shipyard.app]
name = "Demo"
identifier = "com.example.demo"
ui = "app/ui"
server-config = "app/server.yaml"
frameworks = ["app/Fake.framework"]
installers = ["zip", "pkg"]
"""
DAEMON_TOML = """
[tool.shipyard.app.daemon]
label = "com.example.demo.daemon"
arguments = ["serve", "--port", "8765"]
"""


def _sidecar_tree(root: Path) -> Path:
    tree = root / SIDECAR
    (tree / "bin").mkdir(parents=True)
    shim = tree / "bin" / SIDECAR
    shim.write_text('#!/bin/sh\necho "sidecar ran with: $*"\n', encoding="utf-8")
    shim.chmod(0o755)
    stdlib = tree / "python" / "lib" / "python3.12"
    stdlib.mkdir(parents=True)
    (stdlib / "LICENSE.txt").write_text("PSF license\n", encoding="utf-8")
    for dist, files in {"mlx-0.32.4.dist-info": {"licenses/LICENSE": "MIT (mlx)\n"},
                        "tqdm-4.67.1.dist-info": {"LICENCE": "MPL/MIT (tqdm)\n",
                                                  "METADATA": "Name: tqdm\n"}}.items():
        for name, text in files.items():
            path = tree / "site-packages" / dist / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return tree


def _app_inputs(project: Path) -> None:
    (project / "app" / "ui").mkdir(parents=True)
    (project / "app" / "ui" / "index.html").write_text("<h1>demo</h1>\n", encoding="utf-8")
    (project / "app" / "server.yaml").write_text("port: 8765\n", encoding="utf-8")
    framework = project / "app" / "Fake.framework"
    (framework / "Versions" / "A").mkdir(parents=True)
    (framework / "Versions" / "A" / "Fake").write_bytes(FAKE_DYLIB)
    (framework / "Versions" / "Current").symlink_to("A")
    (framework / "Fake").symlink_to("Versions/Current/Fake")
    (project / "NOTICE").write_text("Demo NOTICE\n", encoding="utf-8")


@pytest.fixture
def app_project(tmp_path: Path) -> Callable[..., Path]:
    """``app_project(extra_toml="", daemon=False)``: the project root (dist/ holds the sidecar)."""

    def make(extra_toml: str = "", *, daemon: bool = False, version: str = "1.2.3") -> Path:
        project = tmp_path / "proj"
        project.mkdir()
        toml = APP_TOML + extra_toml + (DAEMON_TOML if daemon else "")
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "demo"\nversion = "{version}"\n{toml}', encoding="utf-8")
        _app_inputs(project)
        dist = project / "dist"
        dist.mkdir()
        tarball = dist / "tool-sidecar-aarch64-apple-darwin.tar.gz"
        write_tarball(_sidecar_tree(tmp_path / "sidecar-src"), SIDECAR, tarball, mtime=DEFAULT_EPOCH)
        record_artifact(dist, Artifact.from_file(tarball, dist, kind="sidecar",
                                                 target="aarch64-apple-darwin", stage="sidecar"))
        return project

    return make
