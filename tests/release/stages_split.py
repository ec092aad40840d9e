"""Fake build stages for the split tests: deterministic bytes per target, so a cell built on one
"runner" and the same stage on one machine give the same sha256."""

from __future__ import annotations

from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext
from tests.publishers.test_pypi import make_wheel
from tests.release.stages_fake import write_tarball

STAGES = {
    "sidecar": "tests.release.stages_split:build_sidecar",
    "wheel": "tests.release.stages_split:build_wheel",
    "sign": "tests.release.stages_split:sign",
    "notarize": "tests.release.stages_split:notarize",
}


def _record(ctx: StageContext, artifact: Artifact) -> list[Artifact]:
    manifest = Manifest.load(ctx.out_dir)
    manifest.record(artifact)
    manifest.save()
    return [artifact]


def build_sidecar(ctx: StageContext) -> list[Artifact]:
    if ctx.dry_run:
        return []
    target = ctx.project.config.sidecar.target
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.out_dir / f"demo-sidecar-{target}.tar.gz"
    write_tarball(path, f"sidecar {ctx.project.version} for {target}\n".encode())
    return _record(ctx, Artifact.from_file(path, ctx.out_dir, kind="sidecar", stage="sidecar",
                                           target=target))


def build_wheel(ctx: StageContext) -> list[Artifact]:
    if ctx.dry_run:
        return []
    wheel = make_wheel(ctx.out_dir, ctx.project.version, "split")
    return _record(ctx, Artifact(**{**wheel.__dict__, "stage": "wheel"}))


def sign(ctx: StageContext) -> list[Artifact]:
    """Marks macOS sidecars signed (the real stage signs their Mach-O files)."""
    manifest = Manifest.load(ctx.out_dir)
    done = [manifest.update(a.path, signed=True) for a in list(manifest.artifacts)
            if a.kind == "sidecar" and a.target.endswith("apple-darwin")]
    manifest.save()
    return done


def notarize(ctx: StageContext) -> list[Artifact]:
    return []
