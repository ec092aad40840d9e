"""CycloneDX 1.6 JSON through cyclonedx-python-lib's model and serializer.

The artifact is ``metadata.component``; the runtime, each distribution and each metallib are
``components`` it depends on.  Every ``bom-ref`` is set here (the library would otherwise pick
random UUIDs), so the document is a function of its inputs alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from shipyard.sbom.inventory import Distribution, Inventory, MetallibFile, Runtime

PROPERTY = "shipyard:"


def _sha256(value: str) -> list[HashType]:
    return [HashType(alg=HashAlgorithm.SHA_256, content=value)] if value else []


def _props(**values: object) -> list[Property]:
    return [Property(name=PROPERTY + key.replace("_", "-"), value=str(value))
            for key, value in values.items() if value != ""]


def _refs(*pairs: tuple[ExternalReferenceType, str]) -> list[ExternalReference]:
    return [ExternalReference(type=kind, url=XsUri(url)) for kind, url in pairs if url]


def subject_component(*, name: str, version: str, sha256: str, target: str) -> Component:
    """The artifact the document describes (``metadata.component``)."""
    return Component(type=ComponentType.APPLICATION, name=name, version=version or None,
                     bom_ref="artifact", hashes=_sha256(sha256), properties=_props(target=target))


def runtime_component(runtime: Runtime) -> Component:
    return Component(
        type=ComponentType.APPLICATION, name="python-build-standalone", version=runtime.version,
        bom_ref="runtime", purl=PackageURL.from_string(runtime.purl), hashes=_sha256(runtime.sha256),
        description=f"CPython {runtime.version} from python-build-standalone {runtime.tag} "
        f"({runtime.asset})" + (f"; {runtime.note}" if runtime.note else ""),
        external_references=_refs((ExternalReferenceType.DISTRIBUTION, runtime.url)),
        properties=_props(pbs_tag=runtime.tag, pbs_target=runtime.target, pbs_asset=runtime.asset))


def _licenses(dist: Distribution) -> list[License]:
    if dist.license:
        return [LicenseExpression(dist.license)]
    return [DisjunctiveLicense(name=dist.license_declared)] if dist.license_declared else []


def distribution_component(dist: Distribution) -> Component:
    wheel = dist.wheel_hash
    return Component(
        type=ComponentType.LIBRARY, name=dist.name, version=dist.version or None,
        bom_ref=dist.purl,
        purl=PackageURL.from_string(dist.purl), description=dist.summary or None,
        licenses=_licenses(dist), hashes=_sha256(wheel.sha256),
        external_references=_refs((ExternalReferenceType.DISTRIBUTION, wheel.url),
                                  (ExternalReferenceType.WEBSITE, dist.homepage)),
        properties=_props(wheel=dist.wheel, wheel_sha256="" if wheel.sha256 else wheel.source,
                          wheel_sha256_source=wheel.source if wheel.sha256 else "",
                          dist_info=dist.dist_info))


def metallib_component(lib: MetallibFile) -> Component:
    return Component(
        type=ComponentType.FILE, name=lib.path, bom_ref=f"metallib:{lib.path}",
        hashes=_sha256(lib.sha256), description="Metal library (MTLB)",
        properties=_props(metal_functions=lib.function_count, mtlb_version=lib.mtlb_version,
                          metal_target=f"{lib.target_os} {lib.os_version}", size=lib.size))


def cyclonedx_json(*, subject: Component, tool_version: str, created: datetime, serial: UUID,
                   runtime: Runtime | None, inventory: Inventory) -> str:
    """The CycloneDX 1.6 JSON document of ``subject`` and what it contains."""
    parts: list[Component] = [runtime_component(runtime)] if runtime else []
    parts += [distribution_component(d) for d in inventory.distributions]
    parts += [metallib_component(m) for m in inventory.metallibs]
    tool = Component(type=ComponentType.APPLICATION, name="shipyard", version=tool_version,
                     bom_ref="tool:shipyard")
    bom = Bom(serial_number=serial, components=parts, metadata=BomMetaData(
        timestamp=created, component=subject, tools=ToolRepository(components=[tool])))
    _depends(bom, subject, parts)
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _depends(bom: Bom, subject: Component, parts: Iterable[Component]) -> None:
    parts = list(parts)
    bom.register_dependency(subject, parts)
    for part in parts:  # leaves: say so, rather than leave the graph incomplete
        bom.register_dependency(part, [])
