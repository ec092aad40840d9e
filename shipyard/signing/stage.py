"""The ``sign`` and ``notarize`` stages: they work on the artifacts of ``dist/manifest.json``.

``run_sign`` signs every unsigned artifact holding code (secret-gated: without credentials it
says so loudly and the artifacts stay recorded as unsigned).  ``run_notarize`` submits every
signed, not yet notarized artifact, staples what can be stapled and runs Gatekeeper.
:func:`sign_tree` is the same secret-gated signing for a directory another stage is building
(the sidecar signs its bundle before packing it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from shipyard import ui
from shipyard.config.loader import Project
from shipyard.errors import SigningError
from shipyard.fsutil import sha256_file, staging_dir
from shipyard.interrupts import terminate_as_interrupt
from shipyard.manifest import Artifact, Manifest, tree_sha256
from shipyard.plugins.interfaces import Notarizer, NotarySubmission, Signer, SignReport, SignRequest
from shipyard.plugins.manager import PluginSet
from shipyard.signing.artifacts import (
    refresh_checksum_file,
    sign_artifact,
    sign_staged,
    signing_method,
)
from shipyard.signing.keychain import (
    sweep_secret_folders,
    sweep_signing_staging,
)
from shipyard.signing.macho import is_macho
from shipyard.signing.notary import PendingSubmission, check_verdict, staple_and_assess, upload_file
from shipyard.signing.session import choose_signer, signing_session
from shipyard.signing.wheels import holds_macho, sign_wheel
from shipyard.stages import StageContext
from shipyard.tools.codesign import Codesign
from shipyard.tools.ditto import Ditto
from shipyard.tools.runner import Runner
from shipyard.tools.spctl import Spctl
from shipyard.tools.xcrun import Stapler

NOTARIZABLE = ("app", "dmg", "pkg", "zip", "sidecar", "tar.gz", "xcframework", "other")


# ------------------------------------------------------------------------------ sign
def run_sign(ctx: StageContext) -> list[Artifact]:
    """Sign the manifest's unsigned artifacts; return those now signed. A cancelled job
    (SIGTERM) unwinds like Ctrl-C: keychain and decoded secrets are removed."""
    with terminate_as_interrupt():
        return _run_sign(ctx)


def _run_sign(ctx: StageContext) -> list[Artifact]:
    if not ctx.dry_run:
        sweep_signing_staging(ctx.out_dir)
    manifest = Manifest.load(ctx.out_dir)
    todo = [(a, a.file(ctx.out_dir)) for a in manifest.artifacts if not a.signed]
    todo = [(a, p) for a, p in todo if p.exists() and signing_method(a, p)]
    packages = [(a, p) for a, p in todo if signing_method(a, p) == "package"]
    todo = [item for item in todo if item not in packages]
    if not todo and not packages:
        ui.info("nothing to sign in the manifest")
        return []
    if not todo:
        return _sign_packages(ctx, manifest, packages) if packages else []
    cfg = ctx.project.config.sign
    signer = choose_signer(ctx.plugins, cfg.signer, ctx.runner)
    done: list[Artifact] = []
    with signing_session(signer, cfg, ctx.env, ctx.runner, root=ctx.project.root) as fields:
        if fields is None:
            return _sign_packages(ctx, manifest, packages) if packages else []
        try:
            for artifact, path in todo:
                def sign(root: Path) -> SignReport:
                    return signer.sign(_request(ctx.project, root, fields))
                codesign = Codesign(ctx.runner) if signer.uses_keychain else None
                report = sign_artifact(artifact, path, sign, codesign,
                                       identity=fields["identity"],
                                       keychain=fields.get("keychain", ""), dry_run=ctx.dry_run)
                raise_on_failures(report, artifact.name)
                done.append(_refreshed(manifest, artifact, path, signed=not ctx.dry_run))
        finally:
            if not ctx.dry_run:  # artifacts signed before a failure stay recorded as signed
                manifest.save()
    # packages last: a pkg's signature covers the app inside, which must be signed by then
    return done + (_sign_packages(ctx, manifest, packages) if packages else [])


def _sign_packages(ctx: StageContext, manifest: Manifest,
                   packages: list[tuple[Artifact, Path]]) -> list[Artifact]:
    """Sign the unsigned flat packages with the installer certificate (or say why not)."""
    import importlib.util

    from shipyard.signing import RCODESIGN_INSTALL_HINT
    from shipyard.signing.keychain import INSTALLER_CERT_ENV, INSTALLER_PASSWORD_ENV
    from shipyard.signing.packages import installer_secrets, sign_package

    inside_unsigned = [a.name for a, _ in packages if a.extra.get("content_signed") is False]
    if inside_unsigned:
        ui.notice(f"{', '.join(inside_unsigned)}: left UNSIGNED: the app inside was not signed "
                  "when the pkg was built; sign the app, then build the pkg again")
        packages = [(a, p) for a, p in packages if a.name not in inside_unsigned]
        if not packages:
            return []
    names = ", ".join(a.name for a, _ in packages)
    secrets = installer_secrets(ctx.env)
    if secrets is not None and importlib.util.find_spec("apple_platform") is None:
        ui.notice(f"{names}: left UNSIGNED: signing a pkg here needs apple-platform-py "
                  f"({RCODESIGN_INSTALL_HINT}); on macOS, productbuild signs it while building "
                  "(tool.shipyard.package.installer-identity)")
        return []
    if secrets is None:
        ui.notice(f"{names}: left UNSIGNED: a pkg is signed with a Developer ID Installer "
                  f"certificate; set {INSTALLER_CERT_ENV} (base64 .p12) and "
                  f"{INSTALLER_PASSWORD_ENV}, or build it on macOS with "
                  "tool.shipyard.package.installer-identity")
        return []
    for secret in secrets:
        ctx.runner.add_secret(secret)
    cfg = ctx.project.config.sign
    timestamp_url = (cfg.timestamp_url or "none") if cfg.timestamp else "none"
    done = []
    try:
        for artifact, path in packages:
            ui.step(f"signing {artifact.name} (package)")
            sign_package(path, secrets, timestamp_url=timestamp_url, dry_run=ctx.dry_run)
            if not ctx.dry_run:
                refresh_checksum_file(path)
            done.append(_refreshed(manifest, artifact, path, signed=not ctx.dry_run))
    finally:
        if not ctx.dry_run:
            manifest.save()
    return done


def sign_tree(root: Path, *, project: Project, runner: Runner, plugins: PluginSet,
              env: Mapping[str, str], entitlements: list[str] | None = None,
              staged: bool = True) -> SignReport | None:
    """Secret-gated inside-out signing of ``root``; None (after a loud notice) when skipped.

    ``entitlements`` (when given) go on every executable of the tree, in addition to the
    configured ``tool.shipyard.sign.rules``.  A directory is signed as a copy and swapped in
    when complete (``staged=False`` for a tree that is itself in a staging directory).
    Raises SigningError naming every failing path.
    """
    if not root.exists():
        raise SigningError(f"nothing to sign: {root} does not exist",
                           hint="pass an existing Mach-O file, bundle or directory")
    with terminate_as_interrupt():  # a cancelled job removes the keychain and decoded keys
        if not runner.dry_run:
            sweep_secret_folders()
        return _sign_tree(root, project=project, runner=runner, plugins=plugins, env=env,
                          entitlements=entitlements, staged=staged)


def _sign_tree(root: Path, *, project: Project, runner: Runner, plugins: PluginSet,
               env: Mapping[str, str], entitlements: list[str] | None,
               staged: bool) -> SignReport | None:
    cfg = project.config.sign
    extra = [("*", list(entitlements))] if entitlements else []
    signer = choose_signer(plugins, cfg.signer, runner)
    image = root.suffix == ".dmg" and not signer.uses_keychain  # rcodesign signs images itself
    if root.suffix == ".whl" and root.is_file():
        return _sign_wheel_file(root, signer, project, runner, env, extra)
    if root.is_file() and not is_macho(root) and not image:
        raise SigningError(f"cannot sign {root}: it is not a Mach-O file (whatever its name says)",
                           hint="pass a Mach-O binary, a bundle or a directory (disk images: "
                           "record them in the manifest and run `shipyard sign`)")
    with signing_session(signer, cfg, env, runner, root=project.root) as fields:
        if fields is None:
            return None
        def sign(tree: Path) -> SignReport:
            return signer.sign(_request(project, tree, fields, extra_rules=extra))
        report = sign_staged(root, sign, dry_run=runner.dry_run) if staged else sign(root)
    raise_on_failures(report, root.name)
    return report


def _sign_wheel_file(wheel: Path, signer: Signer, project: Project, runner: Runner,
                     env: Mapping[str, str], extra: list[tuple[str, list[str]]]) -> SignReport | None:
    if not holds_macho(wheel):
        ui.info(f"{wheel.name} holds no Mach-O: nothing to sign")
        return SignReport()
    with signing_session(signer, project.config.sign, env, runner, root=project.root) as fields:
        if fields is None:
            return None
        report = sign_wheel(wheel, lambda tree: signer.sign(
            _request(project, tree, fields, extra_rules=extra)), dry_run=runner.dry_run)
    raise_on_failures(report, wheel.name)
    return report


def _request(project: Project, root: Path, fields: Mapping[str, Any], *,
             extra_rules: list[tuple[str, list[str]]] | None = None) -> SignRequest:
    cfg = project.config.sign
    return SignRequest(root=root, entitlement_rules=_rules(project) + (extra_rules or []),
                       timestamp=cfg.timestamp, timestamp_url=cfg.timestamp_url,
                       hardened_runtime=cfg.hardened_runtime, jobs=cfg.jobs,
                       identifier_prefix=cfg.identifier_prefix, **fields)


def raise_on_failures(report: SignReport, what: str) -> None:
    if not report.verify_failures:
        return
    listing = "\n  ".join(f"{path}: {why}" for path, why in report.verify_failures)
    raise SigningError(f"signature verification failed for {len(report.verify_failures)} path(s) "
                       f"of {what}:\n  {listing}",
                       hint="`shipyard verify PATH` shows every signature; on macOS, "
                       "codesign --verify --deep --strict --verbose=2 PATH as well")


def _rules(project: Project) -> list[tuple[str, list[str]]]:
    return [(rule.pattern, list(rule.entitlements)) for rule in project.config.sign.rules]


def _refreshed(manifest: Manifest, artifact: Artifact, path: Path, **flags: bool) -> Artifact:
    changes: dict[str, object] = dict(flags)
    if path.is_file():
        changes.update(sha256=sha256_file(path), size=path.stat().st_size)
    elif path.is_dir() and artifact.extra.get("sha256_of") == "tree":  # a stapled app changed
        digest, size = tree_sha256(path)
        changes.update(sha256=digest, size=size)
    return manifest.update(artifact.path, **changes)


# ------------------------------------------------------------------------------ notarize
def run_notarize(ctx: StageContext) -> list[Artifact]:
    """Notarize (and staple) every signed, not yet notarized artifact; return them. A
    cancelled job (SIGTERM) unwinds like Ctrl-C: a key written for notarytool is removed."""
    with terminate_as_interrupt():
        return _run_notarize(ctx)


def _run_notarize(ctx: StageContext) -> list[Artifact]:
    if not ctx.dry_run:
        sweep_signing_staging(ctx.out_dir)
    manifest = Manifest.load(ctx.out_dir)
    candidates = [a for a in manifest.artifacts if a.kind in NOTARIZABLE and not a.notarized
                  and a.file(ctx.out_dir).exists()]
    unsigned = [a.name for a in candidates if not a.signed]
    if unsigned:
        ui.notice(f"notarization SKIPPED for unsigned artifacts: {', '.join(unsigned)}")
    candidates = [a for a in candidates if a.signed]
    if not candidates:
        ui.info("nothing to notarize in the manifest")
        return []
    notarizer = _notarizer(ctx)
    reason = notarizer.configured()
    if reason:
        ui.notice(f"notarization SKIPPED: {reason}; artifacts are recorded as not notarized")
        return []
    done = []
    for artifact in sorted(candidates, key=lambda a: NOTARIZE_ORDER.get(a.kind, 2)):
        done.append(_notarize_one(ctx, manifest, notarizer, artifact))
        if not ctx.dry_run:
            manifest.save()
    return done


def _notarizer(ctx: StageContext) -> Notarizer:
    name = ctx.project.config.notarize.notarizer
    notarizer: Notarizer = ctx.plugins.get("notarizer", name).cls(ctx.runner, ctx.project)
    notarizer.env = ctx.env
    return notarizer


def _notarize_one(ctx: StageContext, manifest: Manifest, notarizer: Notarizer,
                  artifact: Artifact) -> Artifact:
    cfg = ctx.project.config.notarize
    path = artifact.file(ctx.out_dir)
    ui.step(f"notarizing {artifact.name} with {notarizer.name}")
    if not ctx.dry_run:
        notarizer.on_submitted = lambda sub: _save_pending(sub, path, notarizer.name)
    submission = _submit_or_resume(ctx, notarizer, path, cfg.timeout)
    check_verdict(submission, path, notarizer=notarizer.name)
    stapled = cfg.staple and _staple(ctx, path, submission.id)
    return _refreshed(manifest, artifact, path, notarized=True, stapled=stapled)


#: Notarized and stapled first: apps, then the images and packages holding them, zips last.
NOTARIZE_ORDER = {"app": 0, "xcframework": 0, "dmg": 1, "pkg": 1, "zip": 3}


def _staple(ctx: StageContext, path: Path, submission: str) -> bool:
    """xcrun stapler + spctl where Xcode is; elsewhere apple-platform-py, retried."""
    stapler = Stapler(ctx.runner)
    if stapler.which() is not None:
        return staple_and_assess(path, stapler, Spctl(ctx.runner), dry_run=ctx.dry_run)
    from shipyard.errors import NotarizationError
    from shipyard.signing import staple

    try:
        staple.refuse_unstapleable(path)
    except NotarizationError as exc:
        ui.info(f"{exc.message}; {exc.hint}")
        return False
    if ctx.dry_run:
        ui.info(f"[dry-run] would staple {path.name} (apple-platform-py)")
        return False
    attempts = staple.staple_with_retries(
        path, submission=submission, attempts=ctx.project.config.notarize.staple_attempts)
    ui.info(f"stapled {path.name} (attempt {attempts}); Gatekeeper's assessment needs macOS")
    return True


def _submit_or_resume(ctx: StageContext, notarizer: Notarizer, path: Path,
                      timeout: int) -> NotarySubmission:
    pending = PendingSubmission.load(path)
    if pending is not None and ctx.options.get("resume"):
        ui.info(f"resuming the wait for submission {pending.id} of {path.name}")
        return notarizer.resume(pending.id, path, timeout=timeout)
    if pending is not None:
        ui.warn(f"{path.name} has a pending submission {pending.id}; submitting again "
                "(use --resume to keep waiting for it instead)")
    with staging_dir(ctx.out_dir, "notarize") as staging:
        upload = upload_file(path, Ditto(ctx.runner), staging)
        submission = notarizer.submit(upload, timeout=timeout)
    return replace(submission, path=path)


def _save_pending(submission: NotarySubmission, artifact: Path, notarizer: str) -> None:
    PendingSubmission(id=submission.id, notarizer=notarizer, artifact=artifact.name).save(artifact)
    ui.info(f"submission {submission.id} saved in {PendingSubmission.file_for(artifact).name}")
