"""Software bills of materials: CycloneDX 1.6 and SPDX 2.3 JSON for one artifact.

:func:`make_sboms` reads a bundle directory (a staged sidecar tree, an ``.app``, an unpacked
archive) and returns both documents; :meth:`SbomDocuments.write` puts them beside the artifact
as ``<artifact>.cdx.json`` and ``<artifact>.spdx.json``, each written atomically.

Both documents are deterministic: the timestamp is ``SOURCE_DATE_EPOCH`` (the same one the
tarball's mtimes use), and the CycloneDX serial number and the SPDX namespace are derived from
the documents' content, so rebuilding the same inputs gives byte-identical SBOMs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from shipyard import __version__
from shipyard.fsutil import atomic_write_text
from shipyard.manifest import Artifact
from shipyard.redact import redact
from shipyard.sbom.inventory import Inventory, Runtime, read_inventory
from shipyard.sbom.wheelhashes import WheelHashLookup

CYCLONEDX_SUFFIX = ".cdx.json"
SPDX_SUFFIX = ".spdx.json"
FORMATS = {CYCLONEDX_SUFFIX: "CycloneDX 1.6", SPDX_SUFFIX: "SPDX 2.3"}
#: Fixed namespace of the content-derived ids (uuid5 of the content digest).
ID_NAMESPACE = uuid.UUID("7d0b1c1e-5a53-4f6c-9a43-73686970796e")

__all__ = ["CYCLONEDX_SUFFIX", "SPDX_SUFFIX", "Runtime", "SbomContext", "SbomDocuments",
           "WheelHashLookup", "make_sboms", "sbom_artifact", "sbom_names"]


@dataclass(frozen=True, kw_only=True)
class SbomContext:
    """What the bundle cannot tell about itself."""

    #: File name of the artifact the SBOMs describe (``demo-sidecar-….tar.gz``, ``Demo.zip``).
    artifact: str
    #: Its sha256, when the artifact already exists; empty otherwise.
    artifact_sha256: str = ""
    version: str = ""
    target: str = ""
    #: The PBS interpreter, for bundles that hold one.
    runtime: Runtime | None = None
    wheel_hashes: WheelHashLookup = field(default_factory=WheelHashLookup)
    #: ``SOURCE_DATE_EPOCH``: the documents' creation time.
    epoch: int = 0
    tool_version: str = __version__


@dataclass(frozen=True)
class SbomDocuments:
    cyclonedx: str
    spdx: str
    inventory: Inventory

    def write(self, directory: Path, artifact: str) -> tuple[Path, Path]:
        """Write ``<artifact>.cdx.json`` and ``<artifact>.spdx.json`` into ``directory``."""
        cdx, spdx = (directory / name for name in sbom_names(artifact))
        # The runtime's download URL may name a mirror with credentials: masked (the JSON stays
        # valid: the mask holds no character JSON escapes).
        atomic_write_text(cdx, redact(self.cyclonedx))
        atomic_write_text(spdx, redact(self.spdx))
        return cdx, spdx


def sbom_names(artifact: str) -> tuple[str, str]:
    return artifact + CYCLONEDX_SUFFIX, artifact + SPDX_SUFFIX


def sbom_artifact(path: Path, described: Artifact, out_dir: Path) -> Artifact:
    """The manifest record of one SBOM file: kind ``sbom``, released with what it describes."""
    suffix = next(s for s in FORMATS if path.name.endswith(s))
    return Artifact.from_file(path, out_dir, kind="sbom", target=described.target,
                              stage=described.stage,
                              extra={"describes": described.name, "format": FORMATS[suffix]})


def content_id(context: SbomContext, inventory: Inventory) -> uuid.UUID:
    """The same inputs give the same id; any change to them gives another."""
    body = {"context": {k: v for k, v in asdict(context).items() if k != "wheel_hashes"},
            "inventory": asdict(inventory)}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return uuid.uuid5(ID_NAMESPACE, digest)


def make_sboms(bundle: Path, context: SbomContext) -> SbomDocuments:
    """Read ``bundle`` and return its CycloneDX 1.6 and SPDX 2.3 JSON documents."""
    from shipyard.sbom.cyclonedx import cyclonedx_json, subject_component
    from shipyard.sbom.spdx import spdx_json, subject_package

    inventory = read_inventory(bundle, context.wheel_hashes)
    created = datetime.fromtimestamp(context.epoch, UTC)
    serial = content_id(context, inventory)
    subject = {"name": context.artifact, "version": context.version,
               "sha256": context.artifact_sha256, "target": context.target}
    cdx = cyclonedx_json(subject=subject_component(**subject), tool_version=context.tool_version,
                         created=created, serial=serial, runtime=context.runtime,
                         inventory=inventory)
    spdx = spdx_json(subject=subject_package(**subject), tool_version=context.tool_version,
                     created=created,
                     namespace=f"https://spdx.org/spdxdocs/{quote(context.artifact)}-{serial}",
                     runtime=context.runtime, inventory=inventory)
    return SbomDocuments(cdx, spdx, inventory)

