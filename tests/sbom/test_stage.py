"""The sbom stage on a kernels wheel: the metallib it carries and the wheel's own hash."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from shipyard.config.loader import Project
from shipyard.config.model import ShipyardConfig
from shipyard.manifest import Artifact, Manifest
from shipyard.plugins.manager import PluginSet, make_manager
from shipyard.sbom.stage import run
from shipyard.stages import StageContext
from shipyard.tools import Runner
from tests.sbom.conftest import wrap, write_metallib

WHEEL = "shipyard_demo-0.7.3-py3-none-macosx_14_0_arm64.whl"


def kernels_wheel(dist: Path, tmp_path: Path) -> Path:
    library = tmp_path / "kernels.metallib"
    write_metallib(library, [(f"k{i}", wrap(f"body{i}".encode())) for i in range(3)], "14.0")
    path = dist / WHEEL
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("shipyard_demo/__init__.py", "")
        wheel.write(library, "shipyard_demo/kernels/kernels.metallib")
        wheel.writestr("shipyard_demo-0.7.3.dist-info/METADATA",
                       "Metadata-Version: 2.4\nName: shipyard-demo\nVersion: 0.7.3\n")
        wheel.writestr("shipyard_demo-0.7.3.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nTag: py3-none-macosx_14_0_arm64\n")
    return path


def context(root: Path, *, dry_run: bool = False) -> StageContext:
    project = Project(root=root, name="shipyard-demo", version="0.7.3", config=ShipyardConfig())
    return StageContext(project=project, runner=Runner(echo=False), out_dir=root / "dist",
                        plugins=PluginSet(make_manager(entry_points=False)), dry_run=dry_run,
                        env={"SOURCE_DATE_EPOCH": "1700000000"})


def test_wheel_sbom_lists_its_metallib_and_its_own_hash(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = kernels_wheel(dist, tmp_path)
    manifest = Manifest(dist)
    manifest.record(Artifact.from_file(wheel, dist, kind="wheel", stage="wheel"))
    manifest.save()
    assert run(context(tmp_path, dry_run=True)) == [] and not (dist / f"{WHEEL}.cdx.json").exists()

    made = run(context(tmp_path))
    assert sorted(a.name for a in made) == [f"{WHEEL}.cdx.json", f"{WHEEL}.spdx.json"]
    assert all(a.kind == "sbom" and a.stage == "wheel" for a in made)
    cdx = json.loads((dist / f"{WHEEL}.cdx.json").read_text())
    components = {c["name"]: c for c in cdx["components"]}
    metallib = components["shipyard_demo/kernels/kernels.metallib"]
    assert {"name": "shipyard:metal-functions", "value": "3"} in metallib["properties"]
    assert metallib["hashes"][0]["content"] == hashlib.sha256(
        (tmp_path / "kernels.metallib").read_bytes()).hexdigest()
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert components["shipyard-demo"]["hashes"][0]["content"] == digest
    assert cdx["metadata"]["component"]["hashes"][0]["content"] == digest
    assert run(context(tmp_path)) == []  # every artifact has its SBOMs now
    assert [p.name for p in dist.iterdir() if p.name.startswith(".")] == []  # staging removed
