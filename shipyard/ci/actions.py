"""The third-party actions the generated workflows use, each pinned to a full commit SHA.

A tag such as ``v7`` can be moved by whoever controls the action's repository; a commit SHA
cannot, so a compromised or re-tagged action never runs in a release job.  The version comment
says which release the SHA is, for people and for update bots.  Update a row by reading the
tag's commit in the action's repository (``git rev-list -n1 v7.0.1``), then regenerate.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.ci.yaml import Commented


@dataclass(frozen=True)
class PinnedAction:
    """``owner/repo[/path]`` at ``sha``, which is release ``version``."""

    name: str
    sha: str
    version: str

    def uses(self) -> Commented:
        return Commented(f"{self.name}@{self.sha}", self.version)


CHECKOUT = PinnedAction("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1")
SETUP_PYTHON = PinnedAction("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97",
                            "v7.0.0")
UPLOAD_ARTIFACT = PinnedAction("actions/upload-artifact",
                               "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0")
MERGE_ARTIFACTS = PinnedAction("actions/upload-artifact/merge",
                               "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0")
DOWNLOAD_ARTIFACT = PinnedAction("actions/download-artifact",
                                 "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1")
ATTEST_BUILD_PROVENANCE = PinnedAction("actions/attest-build-provenance",
                                       "a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32", "v4.1.0")

ALL = (CHECKOUT, SETUP_PYTHON, UPLOAD_ARTIFACT, MERGE_ARTIFACTS, DOWNLOAD_ARTIFACT,
       ATTEST_BUILD_PROVENANCE)
