"""Helpers: publish contexts and artifacts without a whole release."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipyard.config.loader import Project
from shipyard.config.model import ShipyardConfig
from shipyard.manifest import Artifact
from shipyard.plugins.interfaces import PublishContext
from shipyard.tools import Runner


def artifact(out_dir: Path, name: str, data: bytes, *, kind: str, target: str = "",
             mode: int = 0o644) -> Artifact:
    path = out_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)
    return Artifact.from_file(path, out_dir, kind=kind, target=target, signed=True)


def context(root: Path, options: Any, artifacts: list[Artifact], *, version: str = "0.7.3",
            tag: str = "", env: dict[str, str] | None = None, prerelease: bool = False,
            channel: str = "stable", dry_run: bool = False) -> PublishContext:
    project = Project(root=root, name="shipyard-demo", version=version, config=ShipyardConfig())
    return PublishContext(project=project, tag=tag or f"v{version}", version=version,
                          channel=channel, prerelease=prerelease, options=options,
                          artifacts=tuple(artifacts), runner=Runner(echo=False, dry_run=dry_run),
                          env=env or {}, out_dir=root / "dist", dry_run=dry_run)
