"""The release state file: what each publisher has published, per tag and artifact.

It lives under the output directory (``dist/release-state.json``) and is rewritten atomically
after every publish, so an interrupted release leaves an accurate record and ``--resume``
publishes only what is missing.  Layout::

    {"schema": 1, "releases": {"sidecar-v0.7.3": {
        "manifest": {"sha256": "…", "artifacts": {"x.tar.gz": "…"}},
        "publishers": {"github": {
            "complete": true,
            "artifacts": {"x.tar.gz": {"sha256": "…", "location": "https://…"}}}}}}}

``manifest`` is the identity of what the first run published from (see
:mod:`shipyard.release.resume`): ``--resume`` refuses a manifest that differs from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.errors import ShipyardError
from shipyard.fsutil import atomic_write_text
from shipyard.plugins.interfaces import Published
from shipyard.redact import redact_data
from shipyard.userinput import read_json

SCHEMA = 1


@dataclass
class ReleaseState:
    """The state file of one output directory, focused on one tag."""

    path: Path
    tag: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, tag: str) -> ReleaseState:
        data: dict[str, Any] = {"schema": SCHEMA, "releases": {}}
        if path.exists():
            try:
                data = read_json(path, expect=dict)
                if not isinstance(data.get("releases"), dict):
                    raise ValueError("no `releases` table")
            except (OSError, ValueError) as exc:
                raise ShipyardError(
                    f"release state file {path} is unreadable: {exc}",
                    hint="restore it from the CI artifacts of the earlier run; deleting it "
                    "makes shipyard check every remote again") from None
        return cls(path, tag, data)

    def _publisher(self, name: str) -> dict[str, Any]:
        release = self.data["releases"].setdefault(self.tag, {"publishers": {}})
        entry: dict[str, Any] = release["publishers"].setdefault(
            name, {"complete": False, "artifacts": {}})
        return entry

    def published(self, publisher: str) -> dict[str, dict[str, str]]:
        """Artifact name → {sha256, location} already published by ``publisher``."""
        release = self.data["releases"].get(self.tag, {})
        entry = release.get("publishers", {}).get(publisher, {})
        return dict(entry.get("artifacts", {}))

    def is_complete(self, publisher: str) -> bool:
        release = self.data["releases"].get(self.tag, {})
        return bool(release.get("publishers", {}).get(publisher, {}).get("complete"))

    def anything_published(self) -> bool:
        release = self.data["releases"].get(self.tag, {})
        return any(entry.get("artifacts") or entry.get("complete")
                   for entry in release.get("publishers", {}).values())

    def manifest(self) -> dict[str, Any] | None:
        """The manifest identity recorded by the run that started this release, if any."""
        found = self.data["releases"].get(self.tag, {}).get("manifest")
        return found if isinstance(found, dict) else None

    def set_manifest(self, identity: dict[str, Any]) -> None:
        """Remember ``identity``; it is written with the first published item."""
        self.data["releases"].setdefault(self.tag, {"publishers": {}})["manifest"] = identity

    def forget(self) -> None:
        """Drop everything recorded for this tag (``--restart``)."""
        if self.data["releases"].pop(self.tag, None) is not None and self.path.exists():
            self.save()

    def record(self, publisher: str, published: Published) -> None:
        self._publisher(publisher)["artifacts"][published.artifact] = {
            "sha256": published.sha256, "location": published.location}
        self.save()

    def mark_complete(self, publisher: str) -> None:
        self._publisher(publisher)["complete"] = True
        self.save()

    def save(self) -> None:
        # Locations are URLs a publisher was given, credentials included: never written.
        atomic_write_text(self.path, json.dumps(redact_data(self.data), indent=2,
                                                sort_keys=True) + "\n")
