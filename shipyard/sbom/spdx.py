"""SPDX 2.3 JSON through spdx-tools' model; its writer validates the document before writing.

The artifact is the package the document DESCRIBES; it CONTAINS the runtime, every
distribution and every metallib, each a package of its own (``filesAnalyzed`` false: the
SBOM lists components, not every file, and SPDX files would need SHA-1 digests).
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import (
    Actor,
    ActorType,
    Checksum,
    ChecksumAlgorithm,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.validation.uri_validators import validate_download_location
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from shipyard.errors import ShipyardError
from shipyard.sbom.inventory import Distribution, Inventory, MetallibFile, Runtime

SUBJECT_ID = "SPDXRef-Artifact"


def spdx_id(kind: str, index: int, name: str) -> str:
    """An SPDX element id (letters, digits, ``.`` and ``-`` only), unique by ``index``."""
    return f"SPDXRef-{kind}-{index}-{re.sub(r'[^A-Za-z0-9.-]+', '-', name).strip('-')}"


def _sha256(value: str) -> list[Checksum]:
    return [Checksum(ChecksumAlgorithm.SHA256, value)] if value else []


def _download_location(url: str) -> str | SpdxNoAssertion:
    """``url`` when SPDX accepts it as a download location, else NOASSERTION.

    SPDX's grammar wants a public host name: a private index or a mirror on a bare IP or a
    dotless name (``http://127.0.0.1:8080/…``, ``http://artifactory/…``) is no valid location, and
    an invalid one would fail the whole document.  The CycloneDX SBOM still records the URL.
    """
    return url if url and not validate_download_location(url) else SpdxNoAssertion()


def _purl(purl: str) -> list[ExternalPackageRef]:
    return [ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)]


def _license(expression: str):  # type: ignore[no-untyped-def]  # LicenseExpression | NOASSERTION
    if expression and not spdx_licensing.validate(expression).errors:
        return spdx_licensing.parse(expression)
    return SpdxNoAssertion()


def subject_package(*, name: str, version: str, sha256: str, target: str) -> Package:
    return Package(SUBJECT_ID, name, SpdxNoAssertion(), version=version or None, file_name=name,
                   files_analyzed=False, checksums=_sha256(sha256),
                   primary_package_purpose=PackagePurpose.APPLICATION,
                   comment=f"target {target}" if target else None)


def runtime_package(runtime: Runtime) -> Package:
    return Package(
        "SPDXRef-Runtime", "python-build-standalone", _download_location(runtime.url),
        version=runtime.version, file_name=runtime.asset, files_analyzed=False,
        checksums=_sha256(runtime.sha256), external_references=_purl(runtime.purl),
        primary_package_purpose=PackagePurpose.APPLICATION,
        summary=f"CPython {runtime.version} from python-build-standalone {runtime.tag} "
        f"for {runtime.target}", comment=runtime.note or None)


def distribution_package(index: int, dist: Distribution) -> Package:
    wheel = dist.wheel_hash
    declared = _license(dist.license)
    note = f"declared as {dist.license_declared!r} (not an SPDX expression)" \
        if dist.license_declared else None
    return Package(
        spdx_id("Package", index, dist.name), dist.name, _download_location(wheel.url),
        version=dist.version or None, file_name=dist.wheel or None, files_analyzed=False,
        checksums=_sha256(wheel.sha256), homepage=dist.homepage or None,
        license_concluded=SpdxNoAssertion(), license_declared=declared, license_comment=note,
        copyright_text=SpdxNoAssertion(), summary=dist.summary or None,
        external_references=_purl(dist.purl), primary_package_purpose=PackagePurpose.LIBRARY,
        comment=f"wheel sha256 from {wheel.source}" if wheel.sha256 else f"wheel sha256 {wheel.source}")


def metallib_package(index: int, lib: MetallibFile) -> Package:
    return Package(
        spdx_id("Metallib", index, lib.path), lib.path, SpdxNoAssertion(), file_name=lib.path,
        files_analyzed=False, checksums=_sha256(lib.sha256),
        primary_package_purpose=PackagePurpose.FILE,
        comment=f"Metal library: {lib.function_count} functions, MTLB {lib.mtlb_version}, "
        f"{lib.target_os} {lib.os_version}, {lib.size} bytes")


def spdx_json(*, subject: Package, tool_version: str, created: datetime, namespace: str,
              runtime: Runtime | None, inventory: Inventory) -> str:
    """The SPDX 2.3 JSON document; spdx-tools refuses to write an invalid one."""
    parts = [runtime_package(runtime)] if runtime else []
    parts += [distribution_package(i, d) for i, d in enumerate(inventory.distributions, 1)]
    parts += [metallib_package(i, m) for i, m in enumerate(inventory.metallibs, 1)]
    info = CreationInfo("SPDX-2.3", "SPDXRef-DOCUMENT", subject.name, namespace,
                        [Actor(ActorType.TOOL, f"shipyard-{tool_version}")], created)
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, SUBJECT_ID)]
    relationships += [Relationship(SUBJECT_ID, RelationshipType.CONTAINS, p.spdx_id) for p in parts]
    stream = io.StringIO()
    try:
        write_document_to_stream(Document(info, packages=[subject, *parts],
                                          relationships=relationships), stream, validate=True)
    except ValueError as exc:  # spdx-tools refuses an invalid document: never write one
        raise ShipyardError(f"the SPDX document of {subject.name} does not validate: {exc}",
                            hint="report this as a shipyard bug, naming the dist-info it "
                            "mentions") from None
    return stream.getvalue() + "\n"
