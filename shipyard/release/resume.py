"""What a resumed release checks before it publishes anything more.

A release that stopped half-way (one publisher done, the next failed) is finished with
``--resume``.  In between, the artifacts may have been rebuilt, or someone may have replaced a
published file on a remote.  Publishing the rest then would ship two different builds under one
tag (a GitHub asset from the first build, a Homebrew formula with the second build's checksum),
so a resume checks, in order:

1. the manifest identity: the state file holds the sha256 of every release artifact as the
   first run saw them (:func:`manifest_identity`); a resume over any other set is refused
   (exit 11) unless ``--restart`` asks for a new release over the new manifest;
2. every item a publisher already published, whether or not that publisher is marked complete:
   its recorded sha256 against the manifest, then the remote's copy read back through the
   publisher's ``is_published`` (GitHub asset digest, the formula or cask in the tap, npm's
   recorded sha256, Package.swift's checksum, the index's file digests, the feed file) — a remote
   that now holds other bytes is refused (exit 11), never skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipyard import ui
from shipyard.errors import IntegrityError, PublishConflictError

if TYPE_CHECKING:
    from shipyard.manifest import Artifact
    from shipyard.plugins.interfaces import PublishContext, Publisher
    from shipyard.release.types import PublisherRun, Release

RESTART_HINT = ("publish exactly the artifacts the release started with (restore them from the "
                "first run's CI artifacts), or pass --restart to start a new release over the "
                "new manifest: the remotes still refuse a file that differs from what they hold")


REPLACED_HINT = ("find out who changed it; restore the published file, or release a new version "
                 "(published files are never overwritten)")


def manifest_identity(artifacts: Sequence[Artifact]) -> dict[str, Any]:
    """The release's part of the manifest: each artifact's sha256, and the sha256 of that map."""
    shas = {a.name: a.sha256 for a in sorted(artifacts, key=lambda a: a.name)}
    canonical = json.dumps(shas, sort_keys=True, separators=(",", ":")).encode()
    return {"sha256": hashlib.sha256(canonical).hexdigest(), "artifacts": shas}


def check_manifest(release: Release, artifacts: Sequence[Artifact]) -> None:
    """Record the manifest identity at the first run; refuse a resume over a different one."""
    state = release.state
    current = manifest_identity(artifacts)
    recorded = state.manifest()
    if recorded is None or not state.anything_published():
        state.set_manifest(current)
        return
    if recorded.get("sha256") == current["sha256"]:
        return
    changes = _changes(recorded.get("artifacts", {}), current["artifacts"])
    lines = [f"{name}: {what}{_published_by(release, name)}" for name, what in changes]
    raise IntegrityError(
        f"release {release.tag.tag} was started from another manifest; resuming would publish "
        "a mix of two builds:\n  " + "\n  ".join(lines), hint=RESTART_HINT)


def _changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[tuple[str, str]]:
    changes = []
    for name in sorted({*before, *after}):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            changes.append((name, "new since the first run"))
        elif new is None:
            changes.append((name, "no longer in the manifest"))
        else:
            changes.append((name, f"sha256 was {old}, the manifest now says {new}"))
    return changes


def _published_by(release: Release, name: str) -> str:
    names = [run.name for run in release.publishers if name in release.state.published(run.name)]
    return f" (already published by {', '.join(names)})" if names else ""


def verify_published(release: Release, run: PublisherRun, artifacts: Sequence[Artifact]) -> None:
    """Every item ``run`` already published still matches the manifest, here and on the remote."""
    by_name = {a.name: a for a in artifacts}
    ctx = release.context(run, artifacts)
    for name, recorded in sorted(release.state.published(run.name).items()):
        artifact = by_name.get(name)
        if artifact is not None:  # else an item the publisher made itself (a launcher package)
            verify_item(ctx, run.name, run.publisher, artifact, recorded.get("sha256", ""))


def verify_item(ctx: PublishContext, name: str, publisher: Publisher, artifact: Artifact,
                recorded_sha256: str) -> None:
    """Refuse (exit 11) when ``artifact``, published earlier by ``publisher`` with
    ``recorded_sha256``, differs from the manifest or from what the remote holds now."""
    if recorded_sha256 and recorded_sha256 != artifact.sha256:
        raise IntegrityError(
            f"{name} published {artifact.name} with sha256 {recorded_sha256}, but the manifest "
            f"now says {artifact.sha256}", hint=RESTART_HINT)
    try:
        found = publisher.is_published(ctx, artifact)
    except PublishConflictError as exc:
        raise IntegrityError(
            f"{name}: {artifact.name} was published with sha256 {artifact.sha256}, but the "
            f"remote copy has changed since: {exc.message}", hint=REPLACED_HINT) from None
    if found:
        return
    if publisher.reads_back:
        raise IntegrityError(
            f"{name}: {artifact.name} was published with sha256 {artifact.sha256}, but the "
            "remote no longer holds it (deleted, or replaced with other content)",
            hint=REPLACED_HINT)
    ui.info(f"{name}: {artifact.name} cannot be read back from the remote; "
            "the sha256 recorded when it was published matches")
