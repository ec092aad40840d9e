"""The stage registry: how the release orchestrator and front ends reach each stage.

Each stage is a library function ``run(ctx: StageContext) -> list[Artifact]`` in the module
named here, imported lazily.  Stages never call each other; the release stage runs them in
order and reads their results from ``dist/manifest.json``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.manifest import Artifact
    from shipyard.plugins.manager import PluginSet
    from shipyard.tools.runner import Runner


@dataclass(frozen=True, kw_only=True)
class StageContext:
    """Typed inputs common to every stage."""

    project: Project
    runner: Runner
    plugins: PluginSet
    out_dir: Path
    dry_run: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    #: Stage-specific switches from the command line (``skip_codesign`` …).
    options: Mapping[str, Any] = field(default_factory=dict)


StageFunction = Callable[[StageContext], "list[Artifact]"]

#: stage name → "module:function"
STAGES: dict[str, str] = {
    "kernels": "shipyard.kernels.stage:run",
    "wheel": "shipyard.kernels.stage:run_wheel",
    "wheels": "shipyard.kernels.stage:run_wheels",
    "sidecar": "shipyard.sidecar.stage:run",
    "sign": "shipyard.signing.stage:run_sign",
    "notarize": "shipyard.signing.stage:run_notarize",
    "package": "shipyard.release.package:run",
    "app": "shipyard.app.stage:run",
    "zip": "shipyard.installers.stage:run_zip",
    "pkg": "shipyard.installers.stage:run_pkg",
    "dmg": "shipyard.installers.stage:run_dmg",
    "sbom": "shipyard.sbom.stage:run",
    "appcast": "shipyard.updates.stage:run",
}


def stage_function(name: str) -> StageFunction:
    """The stage ``name``; it first sweeps what killed builds left in its output folder."""
    try:
        target = STAGES[name]
    except KeyError:
        known = ", ".join(STAGES)
        raise ConfigError(f"unknown stage {name!r}", hint=f"known stages: {known}") from None
    module, _, func = target.partition(":")
    fn: StageFunction = getattr(importlib.import_module(module), func)

    def run(ctx: StageContext) -> list[Artifact]:
        if not ctx.dry_run:
            from shipyard.fsutil import sweep_build_staging

            sweep_build_staging(ctx.out_dir)
        return fn(ctx)

    return run
