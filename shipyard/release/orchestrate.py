"""A release: policy checks, build stages, sign, notarize, SHA256SUMS, then every publisher.

Order of work, and why:

1. refuse a pull_request context and a tag that names no family or the wrong version —
   before anything runs, so a refused release has changed nothing;
2. build the family's stages, then ``sign`` and ``notarize`` when configured, through
   :func:`shipyard.stages.stage_function` (``--resume`` skips these and reuses the manifest);
   a resume refuses a manifest other than the one the release started from
   (:mod:`shipyard.release.resume`; ``--restart`` starts over instead);
3. verify every artifact against ``dist/manifest.json`` and write ``SHA256SUMS``;
4. refuse unsigned artifacts unless ``--allow-unsigned``;
5. preflight every publisher — credentials (``check``) and what is already on the remote
   (``is_published``, which raises on different bytes), and every item already published read
   back again — so a missing token, a conflict or a replaced file stops the release before
   anything more is uploaded;
6. publish with each publisher in turn, recording every item in the state file as it lands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard import ui
from shipyard.errors import ConfigError, PluginError, ReleaseRefusedError
from shipyard.manifest import Artifact, Manifest
from shipyard.plugins.interfaces import Published
from shipyard.redact import add_env_secrets
from shipyard.release.checksums import SUMS_NAME, verify_artifacts, write_sha256sums
from shipyard.release.resume import check_manifest, verify_published
from shipyard.release.state import ReleaseState
from shipyard.release.tags import resolve_tag
from shipyard.release.types import PublisherRun, Release
from shipyard.stages import StageContext, stage_function

if TYPE_CHECKING:
    from shipyard.config.loader import Project
    from shipyard.plugins.manager import PluginSet
    from shipyard.tools.runner import Runner

PR_EVENTS = ("pull_request", "pull_request_target")


# ------------------------------------------------------------------------------ preparing
def refuse_pull_request(env: Mapping[str, str]) -> None:
    event = env.get("GITHUB_EVENT_NAME", "")
    if event in PR_EVENTS:
        raise ReleaseRefusedError(
            f"refusing to release from a {event} context (GITHUB_EVENT_NAME={event}): "
            "pull-request code must never publish",
            hint="release from a tag push or workflow_dispatch on the main repository")


def enabled_publishers(project: Project, plugins: PluginSet, wanted: Sequence[str]) -> list[PublisherRun]:
    """Publishers named in ``wanted`` (a family's list or the CLI), else every enabled one."""
    available = plugins.publishers()
    configured = project.config.publish
    names = list(wanted) or [n for n, section in configured.items() if section.enabled]
    runs = []
    for name in names:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            if plugins.broken:
                raise PluginError(f"no publisher plugin named {name!r} (installed: {known})"
                                  f"{plugins.broken_note()}", hint=plugins.broken_hint())
            raise ConfigError(f"no publisher plugin named {name!r} (installed: {known})",
                              hint="check the family's `publishers` list and `shipyard plugins list`")
        section = configured.get(name)
        if section is None:
            raise ConfigError(f"publisher {name!r} is not configured",
                              hint=f"add a [tool.shipyard.publish.{name}] table")
        runs.append(PublisherRun(name, available[name](), section.options))
    return runs


def prepare(project: Project, runner: Runner, plugins: PluginSet, out_dir: Path,
            env: Mapping[str, str], tag: str, *, allow_unsigned: bool = False,
            only: Sequence[str] = ()) -> Release:
    refuse_pull_request(env)
    config = project.config.release
    resolved = resolve_tag(tag, config, project.version)
    publishers = enabled_publishers(project, plugins, only or resolved.family.publishers)
    state = ReleaseState.load(out_dir / config.state_file, tag)
    # The variables the publishers read credentials from, by whatever name they are configured.
    add_env_secrets(env, [*project.config.ci.secrets,
                          *(getattr(run.options, "token_env", "") for run in publishers)])
    return Release(project=project, runner=runner, plugins=plugins, out_dir=out_dir, env=env,
                   tag=resolved, publishers=publishers, state=state, allow_unsigned=allow_unsigned)


# ------------------------------------------------------------------------------ building
def stage_names(release: Release) -> list[str]:
    """The family's build stages, then sign and notarize when those sections are configured.

    ``sbom`` and then ``appcast`` go last, wherever the family lists them: signing and stapling
    change the bytes the SBOMs and the feed's signatures name.  ``sbom`` runs for every family
    that builds something when ``package.sbom`` is on; ``appcast`` also when the family publishes
    with the ``appcast`` publisher (the feeds are made where they are published).
    """
    build = release.tag.family.build
    names = [s for s in build if s not in TRAILING_STAGES]
    names += [s for s in ("sign", "notarize") if s in release.project.configured and s not in names]
    return names + trailing_stages(release.project, build, [run.name for run in release.publishers])


def trailing_stages(project: Project, build: Sequence[str], publishers: Sequence[str]) -> list[str]:
    """The stages of :data:`TRAILING_STAGES` a family runs: listed in ``build``, or implied
    (``package.sbom`` for a family that builds something, the ``appcast`` publisher)."""
    builds_something = any(s not in TRAILING_STAGES for s in build)
    wants = {
        "sbom": "sbom" in build or (builds_something and project.config.package.sbom),
        "appcast": "appcast" in build or "appcast" in publishers,
    }
    return [s for s in TRAILING_STAGES if wants[s]]


#: Stages that run after signing and notarization, in this order.
TRAILING_STAGES = ("sbom", "appcast")


def run_stages(release: Release) -> None:
    for name in stage_names(release):
        ui.step(f"stage {name}")
        ctx = StageContext(project=release.project, runner=release.runner,
                           plugins=release.plugins, out_dir=release.out_dir, env=release.env,
                           options={"tag": release.tag.tag})
        stage_function(name)(ctx)


def release_artifacts(release: Release) -> list[Artifact]:
    """The manifest's artifacts produced by this family's stages (all, when it lists none)."""
    family = release.tag.family
    stages = {*family.build, release.tag.family_name, "sign", "notarize", "appcast"}
    # A folder (an .app) is published through its zip / pkg / dmg, never as itself.
    artifacts = [a for a in Manifest.load(release.out_dir).artifacts
                 if a.kind != "checksums" and (not family.build or a.stage in stages)
                 and not a.file(release.out_dir).is_dir()]
    if not artifacts:
        raise ReleaseRefusedError(
            f"no artifacts for release {release.tag.tag} (family {release.tag.family_name!r}) in "
            f"{release.out_dir / 'manifest.json'}",
            hint="run the release without --resume so its stages build them")
    return sorted(artifacts, key=lambda a: a.name)


def refuse_unsigned(release: Release, artifacts: Sequence[Artifact]) -> None:
    """Read every signature back (``shipyard verify``): refuse unsigned artifacts unless
    ``--allow-unsigned``, and artifacts changed after signing always."""
    unsigned, tampered = _signature_problems(release, artifacts)
    if tampered:
        raise ReleaseRefusedError(
            "refusing to publish artifacts changed after signing:\n  " + "\n  ".join(tampered),
            hint="rebuild and sign them again; --allow-unsigned does not cover this")
    if not unsigned:
        return
    if release.allow_unsigned:
        ui.warn(f"publishing unsigned artifacts (--allow-unsigned): {', '.join(unsigned)}")
        return
    raise ReleaseRefusedError(
        f"refusing to publish unsigned artifacts: {', '.join(unsigned)}",
        hint="configure [tool.shipyard.sign] so the sign stage signs them (`shipyard verify "
        "FILE` shows each signature), or pass --allow-unsigned for a test channel")


def _signature_problems(release: Release, artifacts: Sequence[Artifact]
                        ) -> tuple[list[str], list[str]]:
    from shipyard.signing.verify import verify_path

    kinds = set(release.project.config.release.require_signed)
    runtime = release.project.config.sign.hardened_runtime
    unsigned, tampered = [], []
    for artifact in (a for a in artifacts if a.kind in kinds):
        path = artifact.file(release.out_dir)
        report = verify_path(path, require_runtime=runtime) if _readable(path) else None
        if report is None or not report.files:
            # Disk images, installer packages and code-free trees: the sign stage's record.
            # Apple signatures exist for Apple platforms only: a Linux sidecar never has one.
            if not artifact.signed and "-linux" not in artifact.target:
                unsigned.append(artifact.name)
            continue
        changed = [f"{artifact.name}: {f.path}" for f in report.failures
                   if any(s.mismatches for s in f.slices)]
        tampered += changed
        if report.failures and not changed:
            unsigned.append(f"{artifact.name} ({len(report.failures)} of {len(report.files)} "
                            "Mach-O unsigned or without the runtime flag)")
    return unsigned, tampered


def _readable(path: Path) -> bool:
    """Whether the signature reader can open it (disk images and flat packages it cannot)."""
    return path.exists() and not path.name.endswith((".dmg", ".pkg"))


def checksummed(release: Release, artifacts: list[Artifact]) -> list[Artifact]:
    verify_artifacts(artifacts, release.out_dir)
    ui.step(f"checksums: {SUMS_NAME} over {len(artifacts)} artifacts")
    return [*artifacts, write_sha256sums(artifacts, release.out_dir, stage=release.tag.family_name)]


# ------------------------------------------------------------------------------ publishing
def preflight(release: Release, artifacts: Sequence[Artifact]) -> None:
    """Credentials of every publisher, then what each still has to publish."""
    for run in release.publishers:
        for line in run.publisher.check(release.context(run, artifacts)):
            ui.info(f"{run.name}: {line}")
    for run in release.publishers:
        verify_published(release, run, artifacts)
        release.todo[run.name] = [] if release.state.is_complete(run.name) else \
            missing_artifacts(release, run, artifacts)


def missing_artifacts(release: Release, run: PublisherRun,
                      artifacts: Sequence[Artifact]) -> list[Artifact]:
    ctx = release.context(run, artifacts)
    done = release.state.published(run.name)
    todo = []
    for artifact in run.publisher.select(ctx, artifacts):
        if artifact.name in done:  # checked against the manifest by verify_published
            continue
        if run.publisher.is_published(ctx, artifact):
            ui.info(f"{run.name}: {artifact.name} is already published (same bytes)")
            release.state.record(run.name, Published(
                artifact=artifact.name, location="(found on the remote)", sha256=artifact.sha256))
            continue
        todo.append(artifact)
    return todo


def publish_all(release: Release, artifacts: Sequence[Artifact]) -> list[Published]:
    results: list[Published] = []
    for run in release.publishers:
        if release.state.is_complete(run.name):
            ui.step(f"publish {run.name}: already complete for {release.tag.tag}, skipped")
            continue
        todo = release.todo.get(run.name, [])
        ui.step(f"publish {run.name}: {len(todo)} to publish")
        done = run.publisher.publish(release.context(run, artifacts), todo)
        recorded = release.state.published(run.name)
        for item in done:
            if item.artifact not in recorded:
                release.state.record(run.name, item)
        release.state.mark_complete(run.name)
        results += done
    return results


def start_over(release: Release) -> None:
    """``--restart``: forget the tag's state-file record (never what the remotes hold)."""
    ui.warn(f"--restart: forgetting what {release.state.path.name} records for "
            f"{release.tag.tag}; the remotes are still checked")
    release.state.forget()


def run_release(release: Release, *, resume: bool = False, restart: bool = False
                ) -> list[Published]:
    """Build (unless resuming), checksum, verify signatures, preflight, publish.

    ``restart`` forgets what the state file records for the tag first (a new release over a
    changed manifest); what the remotes hold is still checked.
    """
    if restart:
        start_over(release)
    if release.state.anything_published() and not resume:
        raise ReleaseRefusedError(
            f"release {release.tag.tag} was already started: {release.state.path} records "
            "published artifacts", hint="rerun with --resume to publish only what is missing")
    if not resume:
        run_stages(release)
    built = release_artifacts(release)
    check_manifest(release, built)
    refuse_unsigned(release, built)
    artifacts = checksummed(release, built)
    preflight(release, artifacts)
    published = publish_all(release, artifacts)
    ui.step(f"released {release.tag.tag}: {len(published)} items published")
    return published
