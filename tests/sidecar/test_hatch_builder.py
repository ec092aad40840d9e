"""``hatch build -t sidecar``: the builder runs the same stage into the build directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
