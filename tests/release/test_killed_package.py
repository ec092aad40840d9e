"""``kill -9`` of the release package stage (zip and tar.gz of every artifact) at seeded
points: the next run leaves exactly what a clean run leaves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipyard.manifest import Artifact, Manifest
from tests.killpoints import Killable, kill_and_rerun

#: The package stage of a project packaging its artifacts as zip and tar.gz.
PACKAGE = """
import sys
from pathlib import Path
from shipyard.config.loader import Project
from shipyard.config.model import PackageConfig, ShipyardConfig
from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.stages import StageContext, stage_function
from shipyard.tools import Runner

root = Path(sys.argv[1])
config = ShipyardConfig(package=PackageConfig(formats=["zip", "tar.gz"]))
project = Project(root=root, name="demo", version="1.0.0", config=config)
stage_function("package")(StageContext(project=project, runner=Runner(echo=False),
                                       out_dir=root / "dist",
                                       plugins=PluginSet(make_manager(entry_points=False))))
"""


@pytest.mark.integration
@pytest.mark.parametrize("seed", [3, 5])
def test_package_stage_killed_anywhere_then_rerun_leaves_only_a_clean_run(
        tmp_path: Path, seed: int) -> None:
    root, dist = tmp_path / "proj", tmp_path / "proj" / "dist"
    framework = dist / "Core.xcframework" / "macos-arm64"
    framework.mkdir(parents=True)
    (framework / "libcore.a").write_bytes(bytes(range(256)) * 4096)  # 1 MB
    (dist / "notes.txt").write_text("release notes\n", encoding="utf-8")
    manifest = Manifest(dist)
    manifest.record(Artifact(name="Core.xcframework", path="Core.xcframework",
                             kind="xcframework"))
    manifest.record(Artifact.from_file(dist / "notes.txt", dist, kind="other"))
    manifest.save()
    saved = tmp_path / "saved"
    shutil.copytree(dist, saved, symlinks=True)
    script = tmp_path / "package.py"
    script.write_text(PACKAGE, encoding="utf-8")
    job = Killable([str(script), str(root)], tmp_path / "calls.txt")
    kill_and_rerun(job, dist, saved, seed=seed, points=5)
