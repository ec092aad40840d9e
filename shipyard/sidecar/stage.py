"""The sidecar stage entry point: ``run(ctx) -> list[Artifact]`` (see :mod:`shipyard.stages`)."""

from __future__ import annotations

import platform

from shipyard import ui
from shipyard.errors import ConfigError
from shipyard.interrupts import terminate_as_interrupt
from shipyard.manifest import Artifact, Manifest
from shipyard.sbom import FORMATS, sbom_artifact, sbom_names
from shipyard.sidecar.build import archive_name, build_sidecar, check_inputs, check_target
from shipyard.sidecar.pbs import HOST_MIRROR
from shipyard.sidecar.types import SidecarBuild, SidecarResult
from shipyard.stages import StageContext


def run(ctx: StageContext) -> list[Artifact]:
    """Build the configured sidecar into ``ctx.out_dir`` and record it in the manifest."""
    build = SidecarBuild(project=ctx.project, runner=ctx.runner, plugins=ctx.plugins,
                         out_dir=ctx.out_dir, env=dict(ctx.env))
    if ctx.dry_run:
        _plan(build)
        return []
    with terminate_as_interrupt():
        if build.config.backend == "container":
            from shipyard.isolation.container import build_in_container

            check_target(build)
            result = build_in_container(build)
        else:
            result = build_sidecar(build)
    artifact = to_artifact(result, ctx)
    sboms = [sbom_artifact(path, artifact, ctx.out_dir) for path in result.sboms]
    record(ctx, artifact, sboms)
    ui.step(f"{result.tarball} ({artifact.size} bytes, sha256 {result.sha256})"
            + "".join(f" + {s.name}" for s in sboms))
    return [artifact, *sboms]


def record(ctx: StageContext, artifact: Artifact, sboms: list[Artifact]) -> None:
    """Record the tarball and its SBOMs; drop SBOM records of an earlier build of it."""
    manifest = Manifest.load(ctx.out_dir)
    stale = {f"{artifact.path}{suffix}" for suffix in FORMATS}
    manifest.artifacts = [a for a in manifest.artifacts if a.path not in stale]
    for item in (artifact, *sboms):
        manifest.record(item)
    manifest.save()


def to_artifact(result: SidecarResult, ctx: StageContext) -> Artifact:
    return Artifact.from_file(
        result.tarball, ctx.out_dir, kind="sidecar", target=result.target, signed=result.signed,
        stage="sidecar",
        extra={"checksum_file": result.checksum_file.name, "pbs": result.pbs_asset,
               "binaries": result.binaries},
    )


def _plan(build: SidecarBuild) -> None:
    cfg = build.config
    target = check_target(build)
    try:  # a dry run reports the broken inputs a build would refuse, and goes on planning
        check_inputs(build)
    except ConfigError as exc:
        ui.warn(f"[dry-run] the build would fail now: {exc}")
    if cfg.pbs_mirror.strip() == HOST_MIRROR:
        ui.info(f"[dry-run] would bundle a copy of this host's Python {platform.python_version()} "
                f"for {target} (pbs-mirror = \"host\", instead of PBS {cfg.pbs_version})")
    else:
        ui.info(f"[dry-run] would bundle PBS {cfg.pbs_version}+{cfg.pbs_tag} for {target} "
                f"from {cfg.pbs_mirror or 'GitHub releases'}")
    ui.info(f"[dry-run] packages: {cfg.packages or '(none)'}"
            + (f", requirements: {cfg.requirements}" if cfg.requirements else ""))
    ui.info(f"[dry-run] signing: {'skipped' if cfg.skip_codesign else build.project.config.sign.signer}"
            f", smoke test: {'skipped' if cfg.skip_smoke else ' '.join(cfg.smoke_command)}")
    if build.project.config.package.sbom:
        ui.info("[dry-run] SBOMs of the staged bundle (package.sbom): "
                + ", ".join(sbom_names(archive_name(build))) + " (CycloneDX 1.6, SPDX 2.3)")
    if cfg.backend == "container":
        ui.info("[dry-run] backend: an Apple container on a host-only network, the build proxy "
                "its only way out")
    ui.info(f"[dry-run] output: {build.out_dir} (nothing written)")
