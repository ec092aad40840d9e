"""What the sidecar build's steps share: the build's inputs and state, its result, and how its
outputs are placed.

:mod:`.build` runs the steps; :mod:`.reuse` (a previous build's output) and :mod:`.sbom` (the
bundle's SBOMs) work on the same :class:`SidecarBuild` and place their outputs the same way,
so these live below all three and every import runs one way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.config.loader import Project
from shipyard.config.model import SidecarConfig
from shipyard.config.validate import sidecar_name
from shipyard.fsutil import atomic_write_text
from shipyard.isolation.session import HermeticSession
from shipyard.plugins.manager import PluginSet
from shipyard.sbom import sbom_names
from shipyard.sidecar.census import BinaryCensus
from shipyard.sidecar.download import default_cache_dir
from shipyard.sidecar.layout import BundleLayout
from shipyard.sidecar.pbs import PbsRelease
from shipyard.sidecar.target import Target
from shipyard.tools.runner import Runner


@dataclass
class SidecarBuild:
    """Inputs of one build and what the steps learn along the way."""

    project: Project
    runner: Runner
    plugins: PluginSet
    out_dir: Path
    env: dict[str, str]
    work: Path = Path()
    target: Target | None = None
    release: PbsRelease | None = None
    layout: BundleLayout | None = None
    signed: bool = False
    census: BinaryCensus | None = None
    #: What the SBOMs need to know: the PBS pin, the installer and the local wheels it installed.
    pbs_sha256: str = ""
    installer: str = ""
    local_wheels: list[Path] = field(default_factory=list)
    pip_report: Path | None = None
    #: The packaged-sidecar cache key of the tarball (what a reuse record points at).
    package_key: str = ""
    session: HermeticSession | None = None

    @property
    def steps(self) -> Runner:
        """The runner of the steps that run installers or project code: isolated."""
        return self.session.runner if self.session else self.runner

    @property
    def config(self) -> SidecarConfig:
        return self.project.config.sidecar

    @property
    def name(self) -> str:
        """``name``, else the project's name; refused (exit 4) unless a safe file name."""
        return sidecar_name(self.config, self.project.name)

    @property
    def cache_dir(self) -> Path:
        return default_cache_dir(self.config.cache_dir)

    def bundle(self) -> BundleLayout:
        assert self.layout is not None, "fetch_python runs first"
        return self.layout


@dataclass(frozen=True)
class SidecarResult:
    tarball: Path
    checksum_file: Path
    sha256: str
    target: str
    signed: bool
    binaries: int
    pbs_asset: str
    #: ``<tarball>.cdx.json`` and ``<tarball>.spdx.json`` when ``package.sbom`` is on.
    sboms: tuple[Path, ...] = ()


def place_outputs(build: SidecarBuild, staged: Path, digest: str,
                  staged_sboms: Sequence[Path]) -> tuple[Path, Path, tuple[Path, ...]]:
    """Write the ``.sha256`` of the staged tarball, then rename tarball, checksum and SBOMs
    from the staging directory into the output directory (a fresh build and a reused one)."""
    name = staged.name
    staged_sum = build.work / f"{name}.sha256"
    atomic_write_text(staged_sum, f"{digest}  {name}\n")
    final, final_sum = build.out_dir / name, build.out_dir / f"{name}.sha256"
    for stale in (final_sum, *(build.out_dir / n for n in sbom_names(name))):
        stale.unlink(missing_ok=True)  # never a stale checksum or SBOM beside a new tarball
    os.replace(staged, final)
    os.replace(staged_sum, final_sum)
    sboms = tuple(build.out_dir / p.name for p in staged_sboms)
    for staged_sbom, final_sbom in zip(staged_sboms, sboms, strict=True):
        os.replace(staged_sbom, final_sbom)
    return final, final_sum, sboms
