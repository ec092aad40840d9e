"""The ``zip``, ``pkg`` and ``dmg`` stages: installers of every app in the manifest.

Each reads the ``app`` artifacts of ``dist/manifest.json`` and records what it made with its
kind, sha256 and signing state.  A zip of a signed app is signed content (the zip itself
carries no signature); a pkg or dmg is recorded unsigned until a signer signs the container.
The package stage (``package.formats``) uses the same functions for apps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shipyard import ui
from shipyard.archives import source_date_epoch, write_zip
from shipyard.errors import ShipyardError
from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext
from shipyard.tools.base import is_macos

INSTALLER_KINDS = ("zip", "pkg", "dmg")


def installer_name(app: Artifact, kind: str) -> str:
    version = app.extra.get("version", "")
    stem = app.name.removesuffix(".app")
    return f"{stem}-{version}.{kind}" if version else f"{stem}.{kind}"


def make_zip(ctx: StageContext, app: Path, out: Path) -> Path:
    return write_zip(app, out, keep_parent=True, mtime=source_date_epoch(ctx.env))


def make_pkg(ctx: StageContext, app: Path, out: Path) -> Path:
    from shipyard.app.daemon import postinstall_script
    from shipyard.app.validate import validate_app
    from shipyard.installers.pkg import PkgSpec, build_with_pkgbuild, write_flat_pkg

    plan = validate_app(ctx.project)
    spec = PkgSpec(title=plan.name, identifier=plan.identifier, version=plan.version,
                   install_location=ctx.project.config.package.install_location,
                   minimum_system_version=plan.minimum_system_version,
                   postinstall=postinstall_script(plan.daemon, plan.name) if plan.daemon else None,
                   mtime=source_date_epoch(ctx.env))
    identity = ctx.project.config.package.installer_identity
    if ctx.options.get("pkg_writer", "pkgbuild" if is_macos() else "flat") == "pkgbuild":
        return build_with_pkgbuild(app, out, spec, ctx.runner, identity=identity)
    if identity:
        ui.notice("pkg: the flat-package writer leaves the pkg unsigned; `shipyard sign` signs "
                  "it afterwards with the APPLE_INSTALLER_CERTIFICATE and "
                  "APPLE_INSTALLER_PASSWORD secrets (tool.shipyard.package.installer-identity "
                  "is used by productbuild on macOS only)")
    return write_flat_pkg(app, out, spec)


def make_dmg(ctx: StageContext, app: Path, out: Path) -> Path:
    from shipyard.installers.dmg import build_dmg

    volume = ctx.project.config.package.volume_name or app.stem
    return build_dmg(app, out, volume_name=volume, runner=ctx.runner,
                     mtime=source_date_epoch(ctx.env))


MAKERS: dict[str, Callable[[StageContext, Path, Path], Path]] = {
    "zip": make_zip, "pkg": make_pkg, "dmg": make_dmg}


def apps_in_manifest(ctx: StageContext) -> list[Artifact]:
    apps = [a for a in Manifest.load(ctx.out_dir).find(kind="app") if a.file(ctx.out_dir).is_dir()]
    if not apps:
        raise ShipyardError(f"no app bundle recorded in {ctx.out_dir / 'manifest.json'}",
                            hint="run `shipyard app build` first")
    return apps


def build_installer(ctx: StageContext, app: Artifact, kind: str) -> Artifact:
    out = ctx.out_dir / installer_name(app, kind)
    ui.step(f"{kind}: {app.name} → {out.name}")
    MAKERS[kind](ctx, app.file(ctx.out_dir), out)
    return Artifact.from_file(out, ctx.out_dir, kind=kind, target=app.target,
                              signed=_signed(ctx, app, kind), stage=kind,
                              extra={"app": app.name, "app_sha256": app.sha256,
                                     "content_signed": app.signed})


def _signed(ctx: StageContext, app: Artifact, kind: str) -> bool:
    """A zip holds the app's own signature; productbuild signs a pkg when given an identity."""
    if kind == "zip":
        return app.signed
    pkgbuild = ctx.options.get("pkg_writer", "pkgbuild" if is_macos() else "flat") == "pkgbuild"
    return kind == "pkg" and pkgbuild and bool(ctx.project.config.package.installer_identity)


def run_installer(ctx: StageContext, kind: str) -> list[Artifact]:
    if kind == "dmg":
        from shipyard.installers.dmg import require_writer

        config = ctx.project.config  # before any work, dry run included
        require_writer(config.package.volume_name or config.app.name)
    if ctx.dry_run:
        for app in Manifest.load(ctx.out_dir).find(kind="app") or []:
            ui.info(f"[dry-run] would write {ctx.out_dir / installer_name(app, kind)}")
        if not Manifest.load(ctx.out_dir).find(kind="app"):
            ui.info(f"[dry-run] would write a {kind} of each app the app stage builds")
        return []
    made = [build_installer(ctx, app, kind) for app in apps_in_manifest(ctx)]
    manifest = Manifest.load(ctx.out_dir)
    for artifact in made:
        manifest.record(artifact)
    manifest.save()
    return made


def run_zip(ctx: StageContext) -> list[Artifact]:
    """Zip every app like ``ditto -c -k --keepParent``."""
    return run_installer(ctx, "zip")


def run_pkg(ctx: StageContext) -> list[Artifact]:
    """A product archive (.pkg) of every app."""
    return run_installer(ctx, "pkg")


def run_dmg(ctx: StageContext) -> list[Artifact]:
    """A UDZO disk image of every app (hdiutil on macOS, xorrisofs elsewhere)."""
    return run_installer(ctx, "dmg")
