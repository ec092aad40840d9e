from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard import cli
from shipyard.config.fields import option
from shipyard.manifest import Artifact
from shipyard.plugins.interfaces import PublishContext, Published, Publisher
from shipyard.plugins.specs import hookimpl

TOKEN = "ghp_test-token-0123456789"


@dataclass(frozen=True, kw_only=True)
class FolderOptions:
    directory: str = option(doc="Where files are copied.")


class FolderPublisher(Publisher):
    """Copies artifacts into a folder; crashes when $CRASH_PUBLISHER names it."""

    name = "folder"
    options_class = FolderOptions

    def check(self, ctx: PublishContext) -> list[str]:
        return [f"would copy to {ctx.options.directory}"]

    def is_published(self, ctx: PublishContext, artifact: Artifact) -> bool:
        return (Path(ctx.options.directory) / artifact.name).exists()

    def publish(self, ctx: PublishContext, artifacts: list[Artifact]) -> list[Published]:
        if ctx.env.get("CRASH_PUBLISHER") == self.name:
            raise KeyboardInterrupt
        target = Path(ctx.options.directory)
        target.mkdir(parents=True, exist_ok=True)
        done = []
        for a in artifacts:
            (target / a.name).write_bytes(a.file(ctx.out_dir).read_bytes())
            done.append(ctx.report(Published(artifact=a.name, location=str(target / a.name),
                                             sha256=a.sha256)))
        return done


class ArchivePublisher(FolderPublisher):
    name = "archive"


class TestPlugins:
    @hookimpl
    def shipyard_publishers(self) -> list[type[Publisher]]:
        return [FolderPublisher, ArchivePublisher]


PYPROJECT = """
[project]
name = "demo"
version = "{version}"

[tool.shipyard]
out-dir = "dist"

[tool.shipyard.release.families.sidecar]
tag = "sidecar-v{{version}}"
build = ["sidecar"]
publishers = ["github", "folder", "archive"]

[tool.shipyard.release.families.app]
tag = "v{{version}}"

{sign}

[tool.shipyard.publish.github]
repo = "acme/demo"
api-url = "{api}"

[tool.shipyard.publish.folder]
directory = "{root}/shelf-folder"

[tool.shipyard.publish.archive]
directory = "{root}/shelf-archive"
"""




def run_cli(root: Path, *args: str) -> int:
    return cli.main(["-C", str(root), *args])


def state_of(root: Path) -> dict[str, Any]:
    path = root / "dist" / "release-state.json"
    return json.loads(path.read_text()) if path.exists() else {}
