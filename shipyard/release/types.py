"""The records a release passes between its steps: the enabled publishers and the release.

They live below :mod:`shipyard.release.orchestrate` so that the modules it calls
(:mod:`shipyard.release.resume`) can name them without importing it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.manifest import Artifact
from shipyard.plugins.interfaces import PublishContext, Publisher
from shipyard.release.state import ReleaseState
from shipyard.release.tags import ReleaseTag

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.plugins.manager import PluginSet
    from shipyard.tools.runner import Runner


@dataclass(frozen=True)
class PublisherRun:
    """One enabled publisher with its validated options."""

    name: str
    publisher: Publisher
    options: Any


@dataclass(kw_only=True)
class Release:
    """Everything one release needs, resolved and validated up front."""

    project: Project
    runner: Runner
    plugins: PluginSet
    out_dir: Path
    env: Mapping[str, str]
    tag: ReleaseTag
    publishers: list[PublisherRun]
    state: ReleaseState
    allow_unsigned: bool = False
    #: Publisher name → artifacts still to publish (filled by the preflight).
    todo: dict[str, list[Artifact]] = field(default_factory=dict)

    def context(self, run: PublisherRun, artifacts: Sequence[Artifact], *,
                dry_run: bool = False) -> PublishContext:
        return PublishContext(
            project=self.project, tag=self.tag.tag, version=self.tag.version,
            channel=self.tag.channel, prerelease=self.tag.is_prerelease, options=run.options,
            artifacts=tuple(artifacts), runner=self.runner, dry_run=dry_run, env=self.env,
            out_dir=self.out_dir,
            on_published=lambda item: self.state.record(run.name, item),
        )
