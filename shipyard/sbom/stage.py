"""The ``sbom`` stage: SBOMs for the manifest's artifacts that have none yet.

A release family lists it (``build = ["wheel", "package", "sbom"]``) to give every artifact of
the release its ``<artifact>.cdx.json`` and ``<artifact>.spdx.json``: wheels, packaged archives,
app bundles.  It runs after signing and notarization (see
:func:`shipyard.release.orchestrate.stage_names`), since those change the bytes an SBOM names.
A sidecar already carries the SBOMs its build wrote from the staged tree; this stage reads other
artifacts as they are: a bundle directory directly, an archive (``.tar.gz``, ``.zip``,
``.whl``) unpacked into a staging directory (one nested archive deep, for a zipped tarball).
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shipyard import ui
from shipyard.config.loader import Project
from shipyard.fsutil import staging_dir
from shipyard.manifest import Artifact, Manifest
from shipyard.sbom import (
    FORMATS,
    Runtime,
    SbomContext,
    WheelHashLookup,
    make_sboms,
    sbom_artifact,
    sbom_names,
)
from shipyard.sidecar.extract import check_zip_members, extract_archive
from shipyard.stages import StageContext

SKIPPED_KINDS = ("sbom", "checksums")
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")
ZIP_SUFFIXES = (".zip", ".whl")
_PBS_ASSET = re.compile(r"cpython-(?P<version>[^+]+)\+(?P<tag>[^-]+)-(?P<target>.+)-install_only")


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.endswith(TAR_SUFFIXES + ZIP_SUFFIXES)


def unpack(archive: Path, into: Path) -> bool:
    """Unpack with the stdlib's guards (tar's ``data`` filter, zip's name sanitizing);
    False when the file is not the archive its name says."""
    try:
        if archive.name.endswith(TAR_SUFFIXES):
            extract_archive(archive, into)  # escapes, special members and bombs refused first
        else:
            with zipfile.ZipFile(archive) as zipped:
                check_zip_members(zipped.infolist(), archive.name)
                zipped.extractall(into)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        ui.warn(f"cannot read {archive.name} as an archive: {exc}")
        return False
    return True


@contextmanager
def contents(path: Path, staging: Path) -> Iterator[Path | None]:
    """The tree ``path`` holds: itself for a directory, else unpacked; None when unreadable."""
    if path.is_dir():
        yield path
        return
    if not is_archive(path):
        yield None
        return
    with staging_dir(staging, "sbom") as work:
        if not unpack(path, work):
            yield None
            return
        inner = list(work.iterdir())
        if len(inner) == 1 and is_archive(inner[0]):  # a zipped tarball: describe the tarball's tree
            unpack(inner[0], work / "inner")
        yield work


def runtime_of(artifact: Artifact, project: Project) -> Runtime | None:
    """The PBS runtime a sidecar artifact records (its asset name and the lock file's pin)."""
    from shipyard.sidecar.pbs import LockFile, PbsRelease
    from shipyard.sidecar.target import Target

    found = _PBS_ASSET.match(str(artifact.extra.get("pbs", "")))
    if found is None or found["tag"] == "host":
        return None
    release = PbsRelease(found["version"], found["tag"], Target.parse(found["target"]))
    pin = LockFile.load(project.path(project.config.sidecar.lock_file)).pin(release.asset) or ""
    return Runtime(version=release.version, tag=release.tag, target=release.target.triple,
                   asset=release.asset, sha256=pin, url=release.github_url)


def pending(manifest: Manifest) -> list[Artifact]:
    described = {a.extra.get("describes") for a in manifest.find(kind="sbom")}
    return [a for a in manifest.artifacts
            if a.kind not in SKIPPED_KINDS and a.name not in described
            and not a.name.endswith(tuple(FORMATS))]


def sbom_artifacts(ctx: StageContext, artifact: Artifact, tree: Path,
                   wheels: list[Path]) -> list[Artifact]:
    from shipyard.archives import source_date_epoch

    context = SbomContext(artifact=artifact.name, artifact_sha256=artifact.sha256,
                          version=ctx.project.version, target=artifact.target,
                          runtime=runtime_of(artifact, ctx.project),
                          wheel_hashes=WheelHashLookup(local_wheels=wheels),
                          epoch=source_date_epoch(dict(ctx.env)))
    directory = artifact.file(ctx.out_dir).parent
    written = make_sboms(tree, context).write(directory, artifact.name)
    return [sbom_artifact(path, artifact, ctx.out_dir) for path in written]


def run(ctx: StageContext) -> list[Artifact]:
    """Write both SBOMs for every manifest artifact that has none; record them."""
    manifest = Manifest.load(ctx.out_dir)
    todo = pending(manifest)
    if ctx.dry_run:
        ui.info("[dry-run] SBOMs (CycloneDX 1.6, SPDX 2.3) for every artifact built before this "
                "stage that has none: " + (", ".join(n for a in todo for n in sbom_names(a.name))
                                           or "<artifact>.cdx.json, <artifact>.spdx.json"))
        return []
    # The release's own wheels: a bundle or archive holding one gets its hash from the file.
    wheels = [a.file(ctx.out_dir) for a in manifest.artifacts if a.name.endswith(".whl")]
    made: list[Artifact] = []
    for artifact in todo:
        with contents(artifact.file(ctx.out_dir), ctx.out_dir) as tree:
            if tree is None:
                ui.notice(f"no SBOM for {artifact.name}: not a bundle directory or an archive "
                          f"shipyard can read ({', '.join(TAR_SUFFIXES + ZIP_SUFFIXES)})")
                continue
            made += sbom_artifacts(ctx, artifact, tree, wheels)
            ui.step(f"SBOMs for {artifact.name}: {', '.join(sbom_names(artifact.name))}")
    for item in made:
        manifest.record(item)
    manifest.save()
    return made
