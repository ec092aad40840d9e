"""``shelf``: a publisher that copies each release artifact into ``<directory>/<tag>/``.

Configure it in the product's pyproject.toml::

    [tool.shipyard.publish.shelf]
    directory = "/srv/releases"
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from shipyard.config.fields import option
from shipyard.errors import ConfigError, PublishConflictError
from shipyard.manifest import Artifact
from shipyard.plugins import PublishContext, Published, Publisher, hookimpl


@dataclass(frozen=True, kw_only=True)
class ShelfOptions:
    """``[tool.shipyard.publish.shelf]``."""

    directory: str = option(doc="Directory receiving one folder per release tag (relative to "
                            "the project).")


class ShelfPublisher(Publisher):
    """Copy artifacts to a local directory; identical files count as published."""

    name = "shelf"
    options_class = ShelfOptions
    description = "Copy release artifacts into a local directory (example plugin)"

    def _folder(self, ctx: PublishContext) -> Path:
        # relative paths are relative to the project, like every shipyard path
        return ctx.project.path(ctx.options.directory) / ctx.tag

    def check(self, ctx: PublishContext) -> list[str]:
        if not ctx.options.directory:
            raise ConfigError("tool.shipyard.publish.shelf.directory is empty")
        return [f"would copy {len(ctx.artifacts)} artifacts to {self._folder(ctx)}"]

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        target = self._folder(ctx) / artifact.name
        if not target.exists():
            return False
        if hashlib.sha256(target.read_bytes()).hexdigest() == artifact.sha256:
            return True
        raise PublishConflictError(f"shelf: {target} exists with different bytes")

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        folder = self._folder(ctx)
        folder.mkdir(parents=True, exist_ok=True)
        done = []
        for artifact in artifacts:
            partial = folder / f".{artifact.name}.partial"
            shutil.copyfile(artifact.file(ctx.out_dir), partial)
            partial.replace(folder / artifact.name)
            done.append(ctx.report(Published(artifact=artifact.name, sha256=artifact.sha256,
                                             location=str(folder / artifact.name))))
        return done


@hookimpl
def shipyard_publishers() -> list[type[Publisher]]:
    return [ShelfPublisher]
