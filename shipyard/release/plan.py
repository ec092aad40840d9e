"""``--dry-run``: the whole release plan, with what is missing reported, not raised.

Nothing is built, signed or uploaded, and no remote is contacted: each publisher's ``check``
runs with ``dry_run=True`` and says what it would do and which credentials or tools it needs.
"""

from __future__ import annotations

from shipyard.config.model import NotarizeConfig, SignConfig
from shipyard.errors import ShipyardError
from shipyard.manifest import Manifest
from shipyard.release.checksums import SUMS_NAME
from shipyard.release.orchestrate import Release, stage_names
from shipyard.stages import STAGES
from shipyard.tools import Codesign, Xcrun


def sign_lines(release: Release, config: SignConfig) -> list[str]:
    lines = [f"signer {config.signer}, inside-out, hardened runtime "
             f"{'on' if config.hardened_runtime else 'off'}"]
    if config.identity:
        lines.append(f"identity {config.identity!r}")
    else:
        lines.append("needs an identity: tool.shipyard.sign.identity or APPLE_DEVELOPER_ID_APP "
                     "(not set: artifacts would stay unsigned and the release refused "
                     "without --allow-unsigned)")
    status = Codesign(release.runner).verify()
    if not status.present:
        lines.append(f"needs codesign: {status.hint}")
    return lines


def notarize_lines(release: Release, config: NotarizeConfig) -> list[str]:
    lines = [f"notarizer {config.notarizer}, wait up to {config.timeout}s, "
             f"staple {'on' if config.staple else 'off'}"]
    if config.keychain_profile:
        lines.append(f"credentials: keychain profile {config.keychain_profile!r}")
    elif config.api_key and config.api_key_id and config.api_issuer:
        lines.append(f"credentials: API key {config.api_key_id}")
    elif config.apple_id and config.team_id and release.env.get("APPLE_APP_SPECIFIC_PASSWORD"):
        lines.append(f"credentials: Apple ID {config.apple_id} (team {config.team_id})")
    else:
        lines.append("needs credentials: APPLE_API_KEY_PATH + APPLE_API_KEY_ID + "
                     "APPLE_API_ISSUER, a keychain profile, or APPLE_ID + APPLE_TEAM_ID + "
                     "APPLE_APP_SPECIFIC_PASSWORD (none set)")
    status = Xcrun(release.runner).verify()
    if not status.present:
        lines.append(f"needs xcrun notarytool: {status.hint}")
    return lines


def stage_lines(release: Release, name: str) -> list[str]:
    config = release.project.config
    if name == "sign":
        return sign_lines(release, config.sign)
    if name == "notarize":
        return notarize_lines(release, config.notarize)
    return [f"runs {STAGES.get(name, '(unknown stage)')}"]


def publisher_lines(release: Release) -> list[tuple[str, list[str]]]:
    artifacts = Manifest.load(release.out_dir).artifacts
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


def plan_text(release: Release, *, resume: bool = False) -> str:
    tag = release.tag
    out = [f"release {tag.tag}: family {tag.family_name}, version {tag.version}, "
           f"channel {tag.channel}{' (prerelease)' if tag.is_prerelease else ''}",
           f"  output {release.out_dir}, state {release.state.path}"]
    step = 0
    for name in ([] if resume else stage_names(release)):
        step += 1
        lines = stage_lines(release, name)
        out.append(f"  {step}. {'build ' if name not in ('sign', 'notarize') else ''}{name}: "
                   f"{lines[0]}")
        out += [f"       {line}" for line in lines[1:]]
    signed = ", ".join(release.project.config.release.require_signed)
    step += 1
    out.append(f"  {step}. verify: artifacts match the manifest; unsigned {signed} refused"
               + (" (allowed: --allow-unsigned)" if release.allow_unsigned else ""))
    step += 1
    out.append(f"  {step}. checksums: write {release.out_dir / SUMS_NAME}")
    for name, lines in publisher_lines(release):
        step += 1
        out.append(f"  {step}. publish {name}: {lines[0] if lines else 'ready'}")
        out += [f"       {line}" for line in lines[1:]]
    if not release.publishers:
        out.append("  (no publishers enabled: add [tool.shipyard.publish.<name>] tables)")
    return "\n".join(out) + "\n"
