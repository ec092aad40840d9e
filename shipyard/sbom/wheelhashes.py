"""The sha256 of the wheel each bundled distribution was installed from, where it is known.

An installed tree keeps per-file hashes (``RECORD``) but not the hash of the wheel itself, so
the SBOM takes it from a source that saw the wheel:

- a local wheel the build installed (the project built into a wheel, or a configured ``.whl``):
  hashed here;
- pip's installation report (``pip install --report``): the ``archive_info`` sha256 of each
  wheel it installed;
- uv's cache: for every wheel it downloads, uv keeps an entry
  ``wheels-v*/pypi/<name>/<version>-<tags>.http`` holding the wheel's file name, download URL
  and its sha256 (checked against the index).  The entry's layout is uv's own, so it is read
  defensively: the file name in it must be the wheel's, else the hash is not used.

When no source knows a hash, :class:`WheelHash` carries the reason, and both SBOM formats
print it rather than a made-up value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from shipyard.fsutil import sha256_file
from shipyard.userinput import read_json

#: In uv's cache entry, the digest follows the algorithm name (msgpack map ``{"Sha256": hex}``).
_UV_SHA256 = re.compile(rb"Sha256[^0-9a-f]{1,3}([0-9a-f]{64})")
_UV_WHEEL = re.compile(rb"[A-Za-z0-9_.+!-]+\.whl")
_UV_URL = re.compile(rb"https?://[\x21-\x7e]+?\.whl")
UNKNOWN = "not known: no local wheel file or installer cache recorded it"
UNKNOWN_PIP = "not known: pip's installation report does not list this wheel"


@dataclass(frozen=True, kw_only=True)
class WheelHash:
    """The sha256 of the wheel a distribution was installed from, or why it is unknown."""

    sha256: str = ""
    url: str = ""
    #: Where the hash comes from (``local wheel``, ``uv cache``) or why there is none.
    source: str = UNKNOWN


def _tags(tags: Sequence[str]) -> frozenset[Tag]:
    return frozenset(t for text in tags for t in parse_tag(text))


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _wheel_matches(filename: str, name: str, version: str, tags: Sequence[str]) -> bool:
    try:
        wheel_name, wheel_version, _, wheel_tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return (wheel_name == canonicalize_name(name) and _same_version(str(wheel_version), version)
            and (not tags or wheel_tags == _tags(tags)))


def uv_cache_entry(cache: Path, name: str, version: str, tags: Sequence[str]) -> WheelHash | None:
    """The hash uv recorded for this exact wheel (name, version and tags), if any."""
    project = canonicalize_name(name)
    entries = sorted([*cache.glob(f"wheels-v*/pypi/{project}/{version}-*.http"),
                      *cache.glob(f"wheels-v*/index/*/{project}/{version}-*.http")], reverse=True)
    for entry in entries:
        try:
            data = entry.read_bytes()
        except OSError:
            continue
        digest, wheel = _UV_SHA256.search(data), _UV_WHEEL.search(data)
        if digest is None or wheel is None:
            continue
        if _wheel_matches(wheel.group(0).decode(), name, version, tags):
            url = _UV_URL.search(data)
            return WheelHash(sha256=digest.group(1).decode(), source="uv cache",
                             url=url.group(0).decode() if url else "")
    return None


def pip_report_hashes(report: Path) -> dict[tuple[str, str], WheelHash]:
    """(canonical name, version) → the wheel hash pip reported for each installed item."""
    try:
        items = read_json(report, expect=dict).get("install", [])
    except (OSError, ValueError):
        return {}
    found: dict[tuple[str, str], WheelHash] = {}
    for item in items if isinstance(items, list) else []:
        metadata, download = item.get("metadata", {}), item.get("download_info", {})
        digest = str(download.get("archive_info", {}).get("hashes", {}).get("sha256", ""))
        url = str(download.get("url", ""))
        if re.fullmatch(r"[0-9a-f]{64}", digest) and metadata.get("name"):
            # A file:// URL names a path of the build machine: never put it in an artifact.
            found[(canonicalize_name(metadata["name"]), str(metadata.get("version", "")))] = \
                WheelHash(sha256=digest, source="pip report",
                          url=url if url.startswith("https://") else "")
    return found


@dataclass
class WheelHashLookup:
    """Where a build may know wheel hashes from; :meth:`find` asks them in turn."""

    local_wheels: Sequence[Path] = ()
    #: What ``pip install --report`` recorded: (canonical name, version) → hash.
    reported: Mapping[tuple[str, str], WheelHash] = field(default_factory=dict)
    uv_cache: Path | None = None
    #: The reason recorded when no source knows a hash (names the installer that ran).
    unknown: str = UNKNOWN
    _hashed: dict[Path, str] = field(default_factory=dict, repr=False)

    def find(self, name: str, version: str, tags: Sequence[str]) -> WheelHash:
        for wheel in self.local_wheels:
            if wheel.is_file() and _wheel_matches(wheel.name, name, version, tags):
                if wheel not in self._hashed:
                    self._hashed[wheel] = sha256_file(wheel)
                return WheelHash(sha256=self._hashed[wheel], source="local wheel")
        reported = self.reported.get((canonicalize_name(name), version))
        if reported is not None:
            return reported
        if self.uv_cache is not None and self.uv_cache.is_dir():
            found = uv_cache_entry(self.uv_cache, name, version, tags)
            if found is not None:
                return found
        return WheelHash(source=self.unknown)
