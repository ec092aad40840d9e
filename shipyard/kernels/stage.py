"""The ``kernels`` and ``wheel`` stages: library entry points shared by the CLI, nox, the hatch
hook and the release orchestrator."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from shipyard.config.loader import Project
from shipyard.errors import ShipyardError
from shipyard.kernels.build import KernelsResult, build_kernels
from shipyard.kernels.catalog import CATALOG
from shipyard.kernels.plan import KernelSettings
from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext
from shipyard.tools.runner import CommandResult, Runner
from shipyard.tools.xcrun import Metal

TARGET = "aarch64-apple-darwin"
BUILT = re.compile(r"Successfully built (.+?\.whl)")


def build_project_kernels(project: Project, runner: Runner, output_dir: Path, *,
                          env: Mapping[str, str] | None = None, jobs: int | None = None,
                          metal: Metal | None = None) -> KernelsResult:
    """Build ``[tool.shipyard.kernels]`` of ``project`` into ``output_dir``."""
    settings = KernelSettings.resolve(project.config.kernels, root=project.root, name=project.name,
                                      version=project.version, jobs=jobs)
    return build_kernels(settings, output_dir, runner=runner, metal=metal, env=env)


def run(ctx: StageContext) -> list[Artifact]:
    """Build the kernels into ``OUT/kernels`` and record the metallibs and kernels.json."""
    result = build_project_kernels(ctx.project, ctx.runner, ctx.out_dir / "kernels",
                                   env=ctx.env or os.environ, jobs=ctx.options.get("jobs"))
    if result.skipped or result.dry_run:
        return []
    extra = {"deployment_target": ctx.project.config.kernels.deployment_target}
    artifacts = [Artifact.from_file(path, ctx.out_dir, stage="kernels", target=TARGET, extra=extra,
                                    kind="kernels-json" if path.name == CATALOG else "metallib")
                 for path in result.paths()]
    _record(ctx.out_dir, "kernels", artifacts)
    return artifacts


def _isolated_build(ctx: StageContext, argv: list[str]) -> CommandResult:
    """The wheel build runs project code (its build backend): isolated, like every build."""
    from shipyard.fsutil import staging_dir
    from shipyard.isolation.session import hermetic

    base = ctx.env or os.environ
    with staging_dir(ctx.out_dir, "wheel") as work, \
            hermetic(ctx.project.config, ctx.runner, work / "isolation", base) as session:
        return session.runner.run(argv, cwd=ctx.project.root)


def _record(out_dir: Path, stage: str, artifacts: list[Artifact]) -> None:
    manifest = Manifest.load(out_dir)
    fresh = {a.path for a in artifacts}
    manifest.artifacts = [a for a in manifest.artifacts if a.stage != stage or a.path in fresh
                          or (stage == "wheel" and a.file(out_dir).exists())]
    for artifact in artifacts:
        manifest.record(artifact)
    manifest.save()


def run_wheel(ctx: StageContext) -> list[Artifact]:
    """``python -m build --wheel`` of the project into the output dir; record the wheel."""
    root, out = ctx.project.root, ctx.out_dir
    argv = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out)]
    if ctx.options.get("no_isolation"):
        argv.append("--no-isolation")
    started = time.time()
    if ctx.runner.dry_run:
        ctx.runner.run([*argv, str(root)], cwd=root)
        return []
    result = _isolated_build(ctx, [*argv, str(root)])
    wheels = [out / name for name in BUILT.findall(result.output)] or [
        p for p in out.glob("*.whl") if p.stat().st_mtime >= started - 1]
    return _record_wheels(out, wheels, stage="wheel", builder="`python -m build`")


def _record_wheels(out: Path, wheels: list[Path], *, stage: str, builder: str) -> list[Artifact]:
    """Record the wheels a build wrote (each tagged with its platform tag); none is an error."""
    if not wheels:
        raise ShipyardError(f"{builder} finished but left no wheel in {out}",
                            hint="rerun with -v and read the build output above")
    artifacts = [Artifact.from_file(w, out, kind="wheel", stage=stage,
                                    target=w.stem.rsplit("-", 1)[-1]) for w in wheels]
    _record(out, stage, artifacts)
    return artifacts


def run_wheels(ctx: StageContext) -> list[Artifact]:
    """cibuildwheel on a macOS host: one arm64 wheel per CPython of the project's
    ``[tool.cibuildwheel]`` (cp311-cp313), delocated, each carrying the metallibs the
    ``shipyard-metal`` hook compiles; record every wheel.  cibuildwheel makes its own build
    environments (it installs each CPython), so it runs outside shipyard's isolation."""
    from shipyard.errors import ToolMissingError
    from shipyard.tools import is_macos
    from shipyard.tools.cibuildwheel import Cibuildwheel

    root, out = ctx.project.root, ctx.out_dir
    tool = Cibuildwheel(ctx.runner)
    if ctx.runner.dry_run:
        tool.build_macos(root, out)
        return []
    if not is_macos():
        raise ToolMissingError(
            "cibuildwheel builds macOS wheels only on a macOS host",
            hint="run this stage on a macOS arm64 runner (`shipyard ci generate` puts it there); "
            "for one local wheel here: shipyard wheel")
    tool.require()
    out.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in out.glob("*.whl")}
    started = time.time()
    tool.build_macos(root, out)
    wheels = sorted(p for p in out.glob("*.whl")
                    if p.name not in before or p.stat().st_mtime >= started - 1)
    return _record_wheels(out, wheels, stage="wheels", builder="cibuildwheel")
