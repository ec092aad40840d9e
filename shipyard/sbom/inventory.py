"""What a bundle holds, read from the bundle itself: distributions, metallibs, the runtime.

Distributions come from every ``*.dist-info`` under the bundle (``METADATA`` for name, version,
license and home page, ``WHEEL`` for the tags of the wheel it was installed from), so the SBOM
lists what was installed, not what was asked for.  Wheel hashes cannot be read back from an
installed tree: they come from :mod:`shipyard.sbom.wheelhashes`, and when no source knows them
the SBOM says so instead of inventing one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from packageurl import PackageURL
from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.utils import canonicalize_name

from shipyard.kernels.metallib import parse_metallib
from shipyard.sbom.wheelhashes import WheelHash, WheelHashLookup

_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[!-~]*)?")


@dataclass(frozen=True, kw_only=True)
class Runtime:
    """The python-build-standalone interpreter a sidecar bundles."""

    version: str
    tag: str
    target: str
    asset: str
    sha256: str
    #: Where the pinned asset is published; empty when it was made on this host.
    url: str
    #: Why the runtime is not a published PBS asset (``pbs-mirror = "host"``), else empty.
    note: str = ""

    @property
    def purl(self) -> str:
        return f"pkg:generic/python-build-standalone@{self.version}%2B{self.tag}"


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """One installed distribution (a ``*.dist-info`` folder)."""

    name: str
    version: str
    #: A valid SPDX license expression, or empty when the metadata declares none.
    license: str
    #: The license text as declared when it is not an SPDX expression (``License:`` free text).
    license_declared: str
    summary: str
    homepage: str
    wheel: str
    dist_info: str
    wheel_hash: WheelHash

    @property
    def purl(self) -> str:
        return PackageURL(type="pypi", name=canonicalize_name(self.name),
                          version=self.version or None).to_string()


@dataclass(frozen=True, kw_only=True)
class MetallibFile:
    """A Metal library in the bundle (the kernels metallib, mlx.metallib …)."""

    path: str
    sha256: str
    size: int
    function_count: int
    mtlb_version: str
    target_os: str
    os_version: str


@dataclass(frozen=True, kw_only=True)
class Inventory:
    distributions: list[Distribution] = field(default_factory=list)
    metallibs: list[MetallibFile] = field(default_factory=list)


# ------------------------------------------------------------------------------ licenses
def spdx_license(metadata: Message) -> tuple[str, str]:
    """(SPDX expression or "", the declared text when it is no SPDX expression).

    ``License-Expression`` (core metadata 2.4) is SPDX by definition; the older ``License``
    field is free text, used as an expression only when it parses as one (``MIT``).
    """
    for key in ("License-Expression", "License"):
        text = (metadata.get(key) or "").strip()
        if not text or text.upper() == "UNKNOWN":
            continue
        try:
            return canonicalize_license_expression(text), ""
        except InvalidLicenseExpression:
            return "", " ".join(text.split())[:200]
    classifiers = [c.rsplit("::", 1)[-1].strip() for c in metadata.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return "", "; ".join(classifiers)


def homepage(metadata: Message) -> str:
    """The project's home page, when the metadata gives one that is a URL (not ``UNKNOWN``)."""
    candidates = [metadata.get("Home-page") or ""]
    for entry in metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            candidates.append(url)
    return next((url.strip() for url in candidates if _URL.fullmatch(url.strip())), "")


# ------------------------------------------------------------------------------ reading
def wheel_tags(dist_info: Path) -> list[str]:
    wheel = dist_info / "WHEEL"
    if not wheel.is_file():
        return []
    lines = wheel.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]


def wheel_filename(name: str, version: str, tags: list[str]) -> str:
    """The wheel file name the tags were compressed into (``py2.py3-none-any``)."""
    if not tags:
        return ""
    parts = [sorted({t.split("-")[i] for t in tags}) for i in range(3)]
    return f"{re.sub(r'[-_.]+', '_', name)}-{version}-{'-'.join('.'.join(p) for p in parts)}.whl"


def dist_infos(bundle: Path) -> list[Path]:
    return sorted(p for p in bundle.rglob("*.dist-info")
                  if p.is_dir() and not p.is_symlink() and (p / "METADATA").is_file())


def metallibs(bundle: Path) -> list[MetallibFile]:
    found = []
    for path in sorted(p for p in bundle.rglob("*.metallib") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        library = parse_metallib(data, str(path.relative_to(bundle)))
        found.append(MetallibFile(
            path=path.relative_to(bundle).as_posix(), sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), function_count=len(library.functions), mtlb_version=library.version,
            target_os=library.target_os, os_version=library.os_version))
    return found


def read_distribution(dist_info: Path, bundle: Path, hashes: WheelHashLookup) -> Distribution:
    # Core metadata is RFC 822 headers (then a body: the long description, not needed here).
    metadata = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8",
                                                                         errors="replace"))
    name, version = metadata["Name"] or dist_info.name, metadata["Version"] or ""
    license_id, declared = spdx_license(metadata)
    tags = wheel_tags(dist_info)
    return Distribution(
        name=name, version=version, license=license_id, license_declared=declared,
        summary=" ".join((metadata.get("Summary") or "").split()), homepage=homepage(metadata),
        wheel=wheel_filename(name, version, tags),
        dist_info=dist_info.relative_to(bundle).as_posix(),
        wheel_hash=hashes.find(name, version, tags))


def read_inventory(bundle: Path, hashes: WheelHashLookup) -> Inventory:
    """Every distribution and metallib under ``bundle`` (a sidecar tree or an ``.app``)."""
    distributions = [read_distribution(p, bundle, hashes) for p in dist_infos(bundle)]
    distributions.sort(key=lambda d: (canonicalize_name(d.name), d.version, d.dist_info))
    return Inventory(distributions=distributions, metallibs=metallibs(bundle))
