"""``hatch build -t sidecar``: the builder runs the same stage into the build directory."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.hatch_build.sidecar_builder import SidecarBuilder
from shipyard.sidecar.target import host_triple


def test_builder_builds_the_sidecar(sidecar_project: Callable[..., Path], fast_install: list,
                                    tmp_path: Path) -> None:
    project = sidecar_project("skip-smoke = true")
    builder = SidecarBuilder(str(project))
    assert builder.PLUGIN_NAME == "sidecar"
    (built,) = builder.build(directory=str(tmp_path / "out"), versions=["standard"])
    assert Path(built) == tmp_path / "out" / f"tool-sidecar-{host_triple()}.tar.gz"
    assert Path(built + ".sha256").is_file() and (tmp_path / "out" / "manifest.json").is_file()


@pytest.mark.integration
@pytest.mark.slow
def test_hatchling_cli_builds_the_demo_sidecar_target(tmp_path: Path) -> None:
    """The real front end: `hatchling build -t sidecar` (what `hatch build -t sidecar` runs)."""
    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    project = tmp_path / "demo"
    shutil.copytree(demo, project, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    # The demo's kernels live two levels up; this test is about the sidecar target only.
    text = (project / "pyproject.toml").read_text().replace('"../../kernels"', f'"{demo.parent.parent / "kernels"}"')
    (project / "pyproject.toml").write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("OUT_DIR", "SHIPYARD_OUT_DIR")}
    env["SHIPYARD_SIDECAR_REUSE"] = "0"  # every step, smoke test included, even if built before
    result = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "sidecar"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    tarball = project / "dist" / f"shipyard-demo-sidecar-{host_triple()}.tar.gz"
    checksum = (project / "dist" / f"{tarball.name}.sha256").read_text().split()[0]
    assert checksum == hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert "smoke shim: ok (shipyard-demo 0.7.3)" in result.stderr
