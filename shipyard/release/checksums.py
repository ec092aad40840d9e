"""``SHA256SUMS``: one ``<sha256>  <name>`` line per release artifact (``sha256sum -c`` format)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from shipyard.errors import IntegrityError
from shipyard.fsutil import atomic_write_text, sha256_file
from shipyard.manifest import Artifact, Manifest

SUMS_NAME = "SHA256SUMS"


def verify_artifacts(artifacts: Sequence[Artifact], out_dir: Path) -> None:
    """Every artifact file exists and still has the sha256 the manifest recorded."""
    for artifact in artifacts:
        path = artifact.file(out_dir)
        if not path.is_file():
            raise IntegrityError(f"artifact {artifact.name} is in the manifest but {path} is missing",
                                 hint="rebuild it (run the release without --resume)")
        actual = sha256_file(path)
        if artifact.sha256 and actual != artifact.sha256:
            raise IntegrityError(
                f"artifact {artifact.name} changed since it was built: sha256 {actual}, "
                f"manifest says {artifact.sha256}", hint="rebuild it; never publish edited files")


def sums_text(artifacts: Sequence[Artifact]) -> str:
    lines = sorted(f"{a.sha256}  {a.name}" for a in artifacts if a.name != SUMS_NAME)
    return "\n".join(lines) + "\n"


def write_sha256sums(artifacts: Sequence[Artifact], out_dir: Path, *, stage: str) -> Artifact:
    """Write ``out_dir/SHA256SUMS`` for ``artifacts`` and record it in the manifest."""
    path = out_dir / SUMS_NAME
    atomic_write_text(path, sums_text(artifacts))
    artifact = Artifact.from_file(path, out_dir, kind="checksums", stage=stage)
    manifest = Manifest.load(out_dir)
    manifest.record(artifact)
    manifest.save()
    return artifact
