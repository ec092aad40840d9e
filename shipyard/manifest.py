"""``dist/manifest.json``: every artifact built, the only seam between building and publishing.

Stages append :class:`Artifact` records; release and publishers read them.  Several manifests
(one per CI job) merge with :func:`merge`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from shipyard import __version__
from shipyard.errors import ShipyardError
from shipyard.fsutil import atomic_write_text, sha256_file
from shipyard.redact import redact_data
from shipyard.userinput import read_json

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1
KINDS = ("sidecar", "wheel", "sdist", "metallib", "kernels-json", "app", "dmg", "pkg", "zip",
         "tar.gz", "xcframework", "checksums", "sbom", "appcast", "npm", "other")


def tree_sha256(root: Path) -> tuple[str, int]:
    """The digest recorded as a folder artifact's sha256 (an app bundle has no bytes of its own):
    (sha256 over every path, mode, and file content or link target; total file size)."""
    digest, size = hashlib.sha256(), 0
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                body = "link:" + os.readlink(path)
            elif path.is_dir():
                body = "dir"
            else:
                body = sha256_file(path)
                size += st.st_size
            digest.update(f"{rel}\0{st.st_mode & 0o7777 if not path.is_symlink() else 0}"
                          f"\0{body}\n".encode())
    return digest.hexdigest(), size


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """One file produced by a stage.  ``path`` is relative to the output directory."""

    name: str
    path: str
    kind: str
    target: str = ""
    sha256: str = ""
    size: int = 0
    signed: bool = False
    notarized: bool = False
    stapled: bool = False
    #: Which release family or stage produced it (``sidecar``, ``kernels`` …).
    stage: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path, out_dir: Path, *, kind: str, **kwargs: Any) -> Artifact:
        """Describe ``path`` (inside ``out_dir``), hashing it."""
        return cls(name=path.name, path=path.resolve().relative_to(out_dir.resolve()).as_posix(),
                   kind=kind, sha256=sha256_file(path), size=path.stat().st_size, **kwargs)

    def file(self, out_dir: Path) -> Path:
        return out_dir / self.path


@dataclass
class Manifest:
    out_dir: Path
    artifacts: list[Artifact] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.out_dir / MANIFEST_NAME

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        path = out_dir / MANIFEST_NAME
        if not path.exists():
            return cls(out_dir)
        try:
            data = read_json(path, expect=dict)
            artifacts = [Artifact(**item) for item in data.get("artifacts", [])]
        except (OSError, ValueError, TypeError) as exc:
            raise ShipyardError(f"{path} is not a valid shipyard manifest: {exc}",
                                hint="delete it and rebuild the artifacts") from None
        return cls(out_dir, artifacts)

    def record(self, artifact: Artifact) -> None:
        """Add or replace (same path) an artifact."""
        self.artifacts = [a for a in self.artifacts if a.path != artifact.path] + [artifact]

    def update(self, path: str, **changes: Any) -> Artifact:
        for index, artifact in enumerate(self.artifacts):
            if artifact.path == path:
                self.artifacts[index] = replace(artifact, **changes)
                return self.artifacts[index]
        raise KeyError(path)

    def find(self, *, kind: str | None = None, stage: str | None = None) -> list[Artifact]:
        return [a for a in self.artifacts
                if (kind is None or a.kind == kind) and (stage is None or a.stage == stage)]

    def to_json(self) -> str:
        body = {"schema": SCHEMA_VERSION, "shipyard": __version__,
                "artifacts": [asdict(a) for a in sorted(self.artifacts, key=lambda a: a.path)]}
        return json.dumps(redact_data(body), indent=2, sort_keys=True) + "\n"

    def save(self) -> Path:
        atomic_write_text(self.path, self.to_json())
        return self.path


def record_artifact(out_dir: Path, artifact: Artifact) -> Path:
    """Load the manifest in ``out_dir``, add ``artifact``, save it atomically."""
    manifest = Manifest.load(out_dir)
    manifest.record(artifact)
    return manifest.save()


def merge(out_dir: Path, others: list[Path]) -> Manifest:
    """Merge manifests of several jobs (each path a manifest.json) into ``out_dir``'s."""
    manifest = Manifest.load(out_dir)
    for other in others:
        for artifact in Manifest.load(other.parent).artifacts:
            manifest.record(artifact)
    return manifest
