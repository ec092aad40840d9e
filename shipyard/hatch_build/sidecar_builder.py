"""Hatch build target ``sidecar``: ``hatch build -t sidecar`` runs the sidecar stage.

A thin front end: it loads ``[tool.shipyard]`` from the project root and calls
:func:`shipyard.sidecar.stage.run` with the build directory as the output directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hatchling.builders.plugin.interface import BuilderInterface


class SidecarBuilder(BuilderInterface):  # type: ignore[type-arg]
    """Builds ``<name>-sidecar-<target>.tar.gz`` (+ ``.sha256``) into the build directory."""

    PLUGIN_NAME = "sidecar"

    def get_version_api(self) -> dict[str, Callable[..., str]]:
        return {"standard": self.build_standard}

    def clean(self, directory: str, versions: list[str]) -> None:
        for path in Path(directory).glob("*-sidecar-*.tar.gz*"):
            path.unlink()

    def build_standard(self, directory: str, **build_data: Any) -> str:
        import os

        from shipyard.config.loader import load_project
        from shipyard.fsutil import safe_out_dir
        from shipyard.plugins.manager import plugins
        from shipyard.sidecar.stage import run
        from shipyard.stages import StageContext
        from shipyard.tools.runner import Runner

        project = load_project(self.root)
        out_dir = safe_out_dir(directory, root=project.root, what="hatch build directory")
        ctx = StageContext(project=project, runner=Runner(), plugins=plugins(), out_dir=out_dir,
                           env=dict(os.environ))
        artifacts = run(ctx)
        return str(artifacts[0].file(out_dir))
