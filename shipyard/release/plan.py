"""``--dry-run``: the whole release plan, with what is missing reported, not raised.

Nothing is built, signed or uploaded, and no remote is contacted: each publisher's ``check``
runs with ``dry_run=True`` and says what it would do and which credentials or tools it needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TextIO

from shipyard.config.model import NotarizeConfig, SignConfig
from shipyard.errors import ShipyardError
from shipyard.manifest import Manifest
from shipyard.release.checksums import SUMS_NAME
from shipyard.release.orchestrate import TRAILING_STAGES, Release, stage_names
from shipyard.stages import STAGES, StageContext, stage_function
from shipyard.tools import Requirement, required_tool


def missing_tools(release: Release, requires: Sequence[Requirement]) -> list[str]:
    """A "needs" line for each tool a plugin ``requires`` that this host lacks."""
    lines = []
    for requirement in requires:
        status = required_tool(requirement)(release.runner).verify()
        if not status.present:
            lines.append(f"needs {status.name}: {status.hint}")
    return lines


def sign_lines(release: Release, config: SignConfig) -> list[str]:
    from shipyard.errors import ToolMissingError
    from shipyard.signing import resolve_signer_name

    try:
        name = resolve_signer_name(config.signer, release.plugins.signers())
    except ToolMissingError as exc:
        return [f"signer {config.signer}: {exc.message} ({exc.hint})"]
    lines = [f"signer {name}{' (auto)' if name != config.signer else ''}, inside-out, hardened "
             f"runtime {'on' if config.hardened_runtime else 'off'}, then every signature read back"]
    signer = release.plugins.signers().get(name)
    if signer is None:
        return [*lines, f"needs a signer plugin named {name!r} (none installed)"]
    if config.identity:
        lines.append(f"identity {config.identity!r}")
    elif signer.adhoc_without_identity:
        lines.append("no identity: ad-hoc signatures (Gatekeeper accepts only a Developer ID)")
    else:
        lines.append("needs an identity: tool.shipyard.sign.identity or APPLE_DEVELOPER_ID_APP "
                     "(not set: artifacts would stay unsigned and the release refused "
                     "without --allow-unsigned)")
    return lines + missing_tools(release, signer.requires)


def notarize_lines(release: Release, config: NotarizeConfig) -> list[str]:
    lines = [f"notarizer {config.notarizer}, wait up to {config.timeout}s, "
             f"staple {'on' if config.staple else 'off'}"]
    plugin = release.plugins.notarizers().get(config.notarizer)
    if plugin is None:
        return [*lines, f"needs a notarizer plugin named {config.notarizer!r} (none installed)"]
    # The plugin owns its credential rules; the plan only reports its verdict.
    notarizer = plugin(release.runner, release.project)
    notarizer.env = release.env
    reason = notarizer.configured()
    lines.append(f"needs credentials: {reason}" if reason else "credentials: configured")
    return lines + missing_tools(release, plugin.requires)


def planned_stages(release: Release) -> list[str]:
    """The stages a release runs, plus sign and notarize even when unconfigured (to say so)."""
    names = stage_names(release)
    head = [s for s in names if s not in TRAILING_STAGES]
    tail = [s for s in names if s in TRAILING_STAGES]  # SBOMs and feeds stay last
    return head + [s for s in ("sign", "notarize") if s not in names] + tail


def stage_lines(release: Release, name: str) -> list[str]:
    config = release.project.config
    if name in ("sign", "notarize") and name not in release.project.configured:
        return [f"not configured ([tool.shipyard.{name}] absent): skipped"
                + ("; artifacts that carry Mach-O code are then refused unsigned without "
                   "--allow-unsigned (a Linux sidecar carries none)" if name == "sign" else "")]
    if name == "sign":
        return sign_lines(release, config.sign)
    if name == "notarize":
        return notarize_lines(release, config.notarize)
    return [f"runs {STAGES.get(name, '(unknown stage)')} (its dry run follows)"]


def dry_run_stage(release: Release, name: str) -> str:
    """Run a build stage in dry-run mode (it prints what it would do); '' or why it cannot."""
    ctx = StageContext(project=release.project, runner=release.runner, plugins=release.plugins,
                       out_dir=release.out_dir, env=release.env, dry_run=True,
                       options={"tag": release.tag.tag})
    try:
        stage_function(name)(ctx)
    except ShipyardError as exc:
        return f"would fail now: {exc.message}"
    except ImportError as exc:
        return f"stage {name!r} is not installed: {exc}"
    return ""


def publisher_lines(release: Release) -> list[tuple[str, list[str]]]:
    # as the release itself does: a folder (an .app) ships inside its zip / pkg / dmg only
    artifacts = [a for a in Manifest.load(release.out_dir).artifacts
                 if not a.file(release.out_dir).is_dir()]
    out = []
    for run in release.publishers:
        if release.state.is_complete(run.name):
            out.append((run.name, [f"already complete for {release.tag.tag} (state file)"]))
            continue
        try:
            lines = run.publisher.check(release.context(run, artifacts, dry_run=True))
        except ShipyardError as exc:
            lines = [f"would fail now: {exc.message}"]
        done = release.state.published(run.name)
        if done:
            lines.append(f"already published (skipped): {', '.join(sorted(done))}")
        out.append((run.name, lines))
    return out


def print_plan(release: Release, stream: TextIO, *, resume: bool = False) -> None:
    """Print the plan line by line, so build stages' own dry-run output lands in place."""
    for line in plan_lines(release, resume=resume):
        stream.write(line + "\n")
        stream.flush()


def plan_text(release: Release, *, resume: bool = False) -> str:
    return "".join(line + "\n" for line in plan_lines(release, resume=resume))


def plan_lines(release: Release, *, resume: bool = False) -> Iterator[str]:
    tag = release.tag
    yield from [f"release {tag.tag}: family {tag.family_name}, version {tag.version}, "
           f"channel {tag.channel}{' (prerelease)' if tag.is_prerelease else ''}",
           f"  output {release.out_dir}, state {release.state.path}"]
    step = 0
    for name in ([] if resume else planned_stages(release)):
        step += 1
        lines = stage_lines(release, name)
        build = name not in ("sign", "notarize")
        yield f"  {step}. {'build ' if build else ''}{name}: {lines[0]}"
        yield from (f"       {line}" for line in lines[1:])
        if build and (problem := dry_run_stage(release, name)):
            yield f"       {problem}"
    signed = ", ".join(release.project.config.release.require_signed)
    step += 1
    yield (f"  {step}. verify: artifacts match the manifest; unsigned {signed} refused"
           + (" (allowed: --allow-unsigned)" if release.allow_unsigned else ""))
    step += 1
    yield (f"  {step}. checksums: write {release.out_dir / SUMS_NAME}"
           + (" (SBOMs included)" if release.project.config.package.sbom else ""))
    for name, lines in publisher_lines(release):
        step += 1
        yield f"  {step}. publish {name}: {lines[0] if lines else 'ready'}"
        yield from (f"       {line}" for line in lines[1:])
    if not release.publishers:
        yield "  (no publishers enabled: add [tool.shipyard.publish.<name>] tables)"
