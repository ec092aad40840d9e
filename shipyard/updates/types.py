"""What the ``appcast`` stage's steps share: :class:`AppcastRun`, one run's inputs and the
feeds and artifacts it makes.

:mod:`.stage` runs the steps and :mod:`.deltas` makes the delta updates; both work on the
same run, so it lives below them and every import runs one way.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

from shipyard.config.model import UpdatesConfig
from shipyard.manifest import Artifact
from shipyard.release.tags import ReleaseTag
from shipyard.stages import StageContext
from shipyard.updates.appcast import Appcast
from shipyard.updates.versions import sparkle_version


@dataclass
class AppcastRun:
    ctx: StageContext
    config: UpdatesConfig
    tag: ReleaseTag
    archive: Artifact
    feeds: dict[str, Appcast] = field(default_factory=dict)
    made: list[Artifact] = field(default_factory=list)

    @property
    def version(self) -> str:
        return sparkle_version(self.tag.version)

    def url(self, name: str) -> str:
        return self.config.download_url.format(tag=self.tag.tag, version=self.tag.version,
                                               name=urllib.parse.quote(name))
