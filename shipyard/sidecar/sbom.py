"""The sidecar's SBOMs (``package.sbom``): what the build knows, handed to :mod:`shipyard.sbom`.

They are made from the staged bundle tree just before it is packaged, so they describe exactly
what the tarball holds, and are renamed into place with it.  They do not name the tarball's
sha256: the sign stage may re-sign a tarball built unsigned (a Linux-built macOS sidecar),
which changes its bytes but none of what the SBOMs list; ``SHA256SUMS`` binds the two.
"""

from __future__ import annotations

from pathlib import Path

from shipyard import ui
from shipyard.archives import source_date_epoch
from shipyard.sbom import Runtime, SbomContext, WheelHashLookup, make_sboms, sbom_names
from shipyard.sbom.wheelhashes import UNKNOWN, UNKNOWN_PIP, pip_report_hashes
from shipyard.sidecar.hostpbs import HOST_TAG
from shipyard.sidecar.pbs import HOST_MIRROR
from shipyard.sidecar.types import SidecarBuild
from shipyard.tools import Uv

__all__ = ["sbom_names", "write_bundle_sboms"]

HOST_NOTE = ("synthesized from the build host's own Python (pbs-mirror = \"host\"), not a "
             "published python-build-standalone asset")


def runtime(build: SidecarBuild) -> Runtime:
    release = build.release
    assert release is not None, "fetch_python runs first"
    # A host copy may also come from a mirror directory that holds one (tag `host`).
    host = build.config.pbs_mirror.strip() == HOST_MIRROR or release.tag == HOST_TAG
    # The published URL, not the mirror's: a mirror serves the same pinned bytes, and a local
    # mirror path would leak this machine's layout into the artifact.
    return Runtime(version=release.version, tag=release.tag, target=release.target.triple,
                   asset=release.asset, sha256=build.pbs_sha256,
                   url="" if host else release.github_url, note=HOST_NOTE if host else "")


def uv_cache_dir(build: SidecarBuild) -> Path | None:
    """Where uv keeps its cache, asked of uv itself (it honours UV_CACHE_DIR and XDG dirs)."""
    result = build.runner.run([*Uv(build.runner).command(), "cache", "dir"], check=False,
                              read_only=True, quiet=True)
    folder = result.stdout.strip()
    return Path(folder) if result.returncode == 0 and folder else None


def wheel_hashes(build: SidecarBuild) -> WheelHashLookup:
    if build.installer == "uv":
        return WheelHashLookup(local_wheels=build.local_wheels, uv_cache=uv_cache_dir(build),
                               unknown="not known: uv's cache holds no entry for this wheel")
    reported = pip_report_hashes(build.pip_report) if build.pip_report else {}
    return WheelHashLookup(local_wheels=build.local_wheels, reported=reported,
                           unknown=UNKNOWN_PIP if build.installer == "pip" else UNKNOWN)


def write_bundle_sboms(build: SidecarBuild, tarball: str) -> list[Path]:
    """Both SBOMs of the staged bundle, written into the staging directory; [] when disabled."""
    if not build.project.config.package.sbom:
        return []
    assert build.target is not None
    context = SbomContext(artifact=tarball, version=build.project.version,
                          target=build.target.triple, runtime=runtime(build),
                          wheel_hashes=wheel_hashes(build), epoch=source_date_epoch(build.env))
    documents = make_sboms(build.bundle().root, context)
    unknown = [d.name for d in documents.inventory.distributions if not d.wheel_hash.sha256]
    ui.step(f"SBOMs: {len(documents.inventory.distributions)} distribution(s), "
            f"{len(documents.inventory.metallibs)} metallib(s) (CycloneDX 1.6, SPDX 2.3)")
    if unknown:
        ui.info(f"wheel sha256 not known for {', '.join(unknown)} (said so in the SBOMs)")
    return list(documents.write(build.work, tarball))
