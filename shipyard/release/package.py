"""The package stage: distributable archives of the built artifacts (``[tool.shipyard.package]``).

``zip`` and ``tar.gz`` are written deterministically here on any host.  An app's ``zip``,
``pkg`` and ``dmg`` come from :mod:`shipyard.installers` (both build on any host; a dmg
off macOS needs xorrisofs); other artifacts' ``dmg`` (hdiutil) and ``pkg`` (pkgbuild) need macOS and say so
with :class:`ToolMissingError` elsewhere.  Inputs are
the manifest's app bundles and XCFrameworks (directories) and single-file artifacts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from shipyard import ui
from shipyard.archives import write_tar_gz, write_zip
from shipyard.config.model import PackageConfig
from shipyard.errors import ConfigError
from shipyard.fsutil import staging_dir
from shipyard.manifest import Artifact, Manifest
from shipyard.stages import StageContext
from shipyard.tools import Hdiutil, Pkgbuild

SOURCE_KINDS = ("app", "xcframework", "sidecar", "other")
FORMATS = ("zip", "tar.gz", "dmg", "pkg")


def _zip(ctx: StageContext, source: Path) -> Path:
    return write_zip(source, ctx.out_dir / f"{source.name}.zip")


def _tar_gz(ctx: StageContext, source: Path) -> Path | None:
    if source.name.endswith((".tar.gz", ".tgz")):
        return None  # already a tarball
    return write_tar_gz(source, ctx.out_dir / f"{source.name}.tar.gz")


def _dmg(ctx: StageContext, source: Path, config: PackageConfig) -> Path | None:
    if source.suffix != ".app":
        return None
    out = ctx.out_dir / f"{source.stem}.dmg"
    Hdiutil(ctx.runner).require()
    with _staged(ctx, out) as staged:
        Hdiutil(ctx.runner).create(source.parent if source.is_dir() else source, staged,
                                   volname=config.volume_name or ctx.project.name)
    return out


def _pkg(ctx: StageContext, source: Path, config: PackageConfig) -> Path | None:
    if source.suffix != ".app":
        return None
    if not config.identifier:
        raise ConfigError("tool.shipyard.package.identifier is required for the pkg format",
                          hint='for example: identifier = "com.example.app"')
    out = ctx.out_dir / f"{source.stem}.pkg"
    Pkgbuild(ctx.runner).require()
    with_root = source.parent
    with _staged(ctx, out) as staged:
        Pkgbuild(ctx.runner).build(with_root, staged, identifier=config.identifier,
                                   version=ctx.project.version,
                                   install_location=config.install_location)
    return out


@contextlib.contextmanager
def _staged(ctx: StageContext, out: Path) -> Iterator[Path]:
    """Where a tool writes ``out`` (same name: hdiutil and pkgbuild go by the extension), in
    a staging folder; renamed into place when it succeeds, so a killed run leaves no half."""
    with staging_dir(ctx.out_dir, out.name) as work:
        yield work / out.name
        if not ctx.runner.dry_run:
            os.replace(work / out.name, out)


def package_one(ctx: StageContext, source: Artifact, fmt: str) -> Path | None:
    path = source.file(ctx.out_dir)
    config = ctx.project.config.package
    if source.kind == "app" and fmt in ("zip", "pkg", "dmg"):
        from shipyard.installers.stage import MAKERS, installer_name

        return MAKERS[fmt](ctx, path, ctx.out_dir / installer_name(source, fmt))
    if fmt == "zip":
        return _zip(ctx, path)
    if fmt == "tar.gz":
        return _tar_gz(ctx, path)
    if fmt == "dmg":
        return _dmg(ctx, path, config)
    return _pkg(ctx, path, config)


def run(ctx: StageContext) -> list[Artifact]:
    """Archive every app, XCFramework and single-file artifact in each configured format."""
    config = ctx.project.config.package
    unknown = [f for f in config.formats if f not in FORMATS]
    if unknown:
        raise ConfigError(f"tool.shipyard.package.formats: unknown format {unknown[0]!r}",
                          hint=f"use some of: {', '.join(FORMATS)}")
    manifest = Manifest.load(ctx.out_dir)
    sources = [a for a in manifest.artifacts if a.kind in SOURCE_KINDS and a.stage != "package"]
    made: list[Artifact] = []
    jobs = [(source, fmt) for source in sources for fmt in config.formats]
    with ui.progress("packaging", total=len(jobs), unit="items") as bar:
        for source, fmt in jobs:
            if ctx.dry_run:
                ui.info(f"would package {source.name} as {fmt}")
                continue
            out = package_one(ctx, source, fmt)
            bar.advance()
            if out is None:
                continue
            kind = fmt if fmt in ("zip", "dmg", "pkg", "tar.gz") else "other"
            made.append(Artifact.from_file(out, ctx.out_dir, kind=kind, target=source.target,
                                           signed=source.signed, notarized=source.notarized,
                                           stage="package"))
    for artifact in made:
        manifest.record(artifact)
    manifest.save()
    return made
