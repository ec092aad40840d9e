"""``kill -9`` of ``sidecar build`` at seeded points: the next build leaves exactly what a
clean build leaves in the output folder, and nothing temporary in the cache."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.killpoints import Killable, kill_and_rerun

#: The CLI with the package installer replaced by one writing a tiny package (as fast_install).
SIDECAR_BUILD = """
import sys
from shipyard.cli import main
from shipyard.sidecar import build
from tests.sidecar.conftest import ELF_SO

def install(sidecar):
    site = sidecar.bundle().site_packages
    (site / "tool").mkdir(parents=True)
    (site / "tool" / "__init__.py").write_text("def main():\\n    print('tool 1.0.0')\\n")
    (site / "tool" / "_native.so").write_bytes(ELF_SO)
    info = site / "tool-1.0.0.dist-info"
    info.mkdir()
    (info / "entry_points.txt").write_text("[console_scripts]\\ntool = tool:main\\n")
    return "fake"

build.install_packages = install
sys.exit(main(["-C", sys.argv[1], "sidecar", "build"]))
"""


@pytest.mark.integration
@pytest.mark.parametrize("seed", [2])
def test_sidecar_build_killed_anywhere_then_rerun_leaves_only_a_clean_build(
        sidecar_project: Callable[..., Path], tmp_path: Path, seed: int) -> None:
    project = sidecar_project("skip-smoke = true")
    dist, cache = project / "dist", tmp_path / "cache"
    dist.mkdir()
    cache.mkdir()
    saved_dist, saved_cache = tmp_path / "saved-dist", tmp_path / "saved-cache"
    shutil.copytree(dist, saved_dist)
    shutil.copytree(cache, saved_cache)
    script = tmp_path / "sidecar_build.py"
    script.write_text(SIDECAR_BUILD, encoding="utf-8")
    job = Killable([str(script), str(project)], tmp_path / "calls.txt")
    kill_and_rerun(job, dist, saved_dist, seed=seed, points=5, also=[(cache, saved_cache)])
