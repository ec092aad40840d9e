"""The ``shipyard-metal`` hatchling build hook: Metal kernels into the wheel.

Turn it on with ``requires = ["hatchling", "shipyard"]`` and an empty
``[tool.hatch.build.hooks.shipyard-metal]`` table; settings live in ``[tool.shipyard.kernels]``
(shared with ``shipyard kernels build``).  The hook only wires hatchling to the library:
``shipyard.kernels.stage.build_project_kernels`` does the work.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

from shipyard.errors import ShipyardError


def _package_dir(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").lower()


class MetalBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the project's kernels and ship metallibs + kernels.json in the wheel."""

    PLUGIN_NAME = "shipyard-metal"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if self.config and set(self.config) - {"dependencies", "require-runtime-dependencies",
                                              "require-runtime-features", "enable-by-default"}:
            unknown = sorted(set(self.config))[0]
            raise SystemExit(f"shipyard-metal: unknown key tool.hatch.build.hooks.shipyard-metal."
                             f"{unknown}: settings belong in [tool.shipyard.kernels]")
        try:
            self._build(build_data)
        except ShipyardError as exc:
            # A clean message instead of a traceback from inside the build backend.
            raise SystemExit(f"shipyard-metal: error: {exc}") from None

    def _build(self, build_data: dict[str, Any]) -> None:
        from shipyard.config.loader import load_project
        from shipyard.kernels.stage import build_project_kernels
        from shipyard.kernels.wheel_tag import require_arm64, wheel_tag
        from shipyard.tools.runner import Runner

        project = load_project(self.root)
        config = project.config.kernels
        require_arm64(os.environ)
        output = project.path(config.output_dir)
        result = build_project_kernels(project, Runner(stream=sys.stderr), output)
        if result.skipped:
            self.app.display_warning("shipyard-metal: building a pure wheel WITHOUT Metal kernels")
            return
        inside = config.wheel_path or f"{_package_dir(config.package or project.name)}/kernels"
        for rel, path in zip(result.files, result.paths(), strict=True):
            build_data["force_include"][str(path)] = f"{inside.strip('/')}/{rel}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = False
        build_data["tag"] = wheel_tag(os.environ, config.deployment_target)
        state = "up to date" if result.noop else f"{result.compiled} compiled, {result.linked} linked"
        self.app.display_info(f"shipyard-metal: {len(result.files)} files into {inside}/ ({state})")

    def clean(self, versions: list[str]) -> None:
        from shipyard.config.loader import load_project
        from shipyard.kernels.plan import KernelSettings, check_output_dir

        try:
            project = load_project(self.root)
            output = Path(project.path(project.config.kernels.output_dir))
            # The same guard as the build: never remove the project or a folder we did not write.
            check_output_dir(output, KernelSettings.resolve(
                project.config.kernels, root=project.root, name=project.name,
                version=project.version))
        except ShipyardError as exc:
            raise SystemExit(f"shipyard-metal: error: {exc}") from None
        shutil.rmtree(output, ignore_errors=True)
