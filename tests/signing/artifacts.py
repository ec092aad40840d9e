"""Artifacts in a dist/ folder with their manifest, for the sign and notarize stage tests."""

from __future__ import annotations

import tarfile
from pathlib import Path

from shipyard.fsutil import sha256_file
from shipyard.manifest import Artifact, record_artifact
from tests.signing.machofab import make_sidecar_tree


def add_sidecar(out_dir: Path, *, signed: bool = False) -> Artifact:
    """dist/rapid-mlx-sidecar.tar.gz (+ .sha256) holding a PBS-like tree of Mach-O files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tree = make_sidecar_tree(out_dir.parent / "build")
    archive = out_dir / "rapid-mlx-sidecar.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname="rapid-mlx")
    (out_dir / f"{archive.name}.sha256").write_text(f"{sha256_file(archive)}  {archive.name}\n")
    artifact = Artifact.from_file(archive, out_dir, kind="sidecar", target="aarch64-apple-darwin",
                                  signed=signed, stage="sidecar")
    record_artifact(out_dir, artifact)
    return artifact


def add_dmg(out_dir: Path, *, signed: bool = True, name: str = "MLXR-0.7.3.dmg") -> Artifact:
    out_dir.mkdir(parents=True, exist_ok=True)
    image = out_dir / name
    image.write_bytes(b"koly" + b"\0" * 508)
    artifact = Artifact.from_file(image, out_dir, kind="dmg", signed=signed, stage="package")
    record_artifact(out_dir, artifact)
    return artifact
