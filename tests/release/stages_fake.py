"""Fake build/sign stages for release tests (registered by monkeypatching STAGES)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext

CALLS: list[str] = []


def build_sidecar(ctx: StageContext) -> list[Artifact]:
    if ctx.dry_run:  # a real stage prints its plan and writes nothing
        CALLS.append("sidecar (dry run)")
        return []
    CALLS.append("sidecar")
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.out_dir / "demo-sidecar.tar.gz"
    write_tarball(path, b"sidecar bytes " + os.environ.get("FAKE_SIDECAR_FLAVOUR", "").encode())
    artifact = Artifact.from_file(path, ctx.out_dir, kind="sidecar", stage="sidecar",
                                  target="aarch64-apple-darwin")
    manifest = Manifest.load(ctx.out_dir)
    manifest.record(artifact)
    manifest.save()
    return [artifact]


def write_tarball(path: Path, content: bytes) -> None:
    """A real, reproducible .tar.gz (the release reads it back to verify signatures); it holds
    no Mach-O, so the release falls back to the manifest's signed flag."""
    info = tarfile.TarInfo("demo/README")
    info.size = len(content)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        tar.addfile(info, io.BytesIO(content))


def sign(ctx: StageContext) -> list[Artifact]:
    CALLS.append("sign")
    manifest = Manifest.load(ctx.out_dir)
    signed = [manifest.update(a.path, signed=True) for a in list(manifest.artifacts)]
    manifest.save()
    return signed


def notarize(ctx: StageContext) -> list[Artifact]:
    CALLS.append("notarize")
    return []
