"""python-build-standalone releases: asset names, URLs, mirrors and the lock file of pins.

Asset and URL follow REFERENCE §2.  A mirror is a directory or an http(s) URL laid out like
GitHub's release downloads: ``<mirror>/<tag>/<asset>`` and ``<mirror>/<tag>/SHA256SUMS``.
The special mirror ``host`` synthesizes a PBS-layout archive from the running interpreter
(see :mod:`shipyard.sidecar.hostpbs`) for offline demos and tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from shipyard.errors import ConfigError, IntegrityError
from shipyard.fsutil import atomic_write_text, read_user_text, user_path_kind
from shipyard.redact import redact
from shipyard.sidecar.target import Target
from shipyard.userinput import parse_toml

GITHUB_DOWNLOADS = "https://github.com/astral-sh/python-build-standalone/releases/download"
HOST_MIRROR = "host"
SUMS_NAME = "SHA256SUMS"
LOCK_HEADER = (
    "# shipyard lock file: sha256 pins of downloaded inputs.\n"
    "# Written by `shipyard sidecar lock`; commit it.  Each [pbs] key is a python-build-standalone\n"
    "# asset name, each value the sha256 its download must have.\n"
)
REGENERATE = "regenerate it with `shipyard sidecar lock`"
_HEX64 = re.compile(r"[0-9a-f]{64}")  # used with fullmatch: `$` admits "\n"


@dataclass(frozen=True)
class PbsRelease:
    """One python-build-standalone asset: CPython ``version`` from release ``tag`` for a target."""

    version: str
    tag: str
    target: Target

    @property
    def asset(self) -> str:
        return f"cpython-{self.version}+{self.tag}-{self.target}-install_only_stripped.tar.gz"

    @property
    def python_minor(self) -> str:
        """``3.12`` for version ``3.12.13``: the bundle's ``pythonX.Y`` names."""
        parts = self.version.split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
            raise ConfigError(f"tool.shipyard.sidecar.pbs-version {self.version!r} is not a "
                              "CPython version", hint='for example: pbs-version = "3.12.13"')
        return ".".join(parts[:2])

    @property
    def github_url(self) -> str:
        return f"{GITHUB_DOWNLOADS}/{self.tag}/{quote(self.asset)}"


@dataclass(frozen=True)
class Mirror:
    """Where assets come from: GitHub (``spec`` empty), a directory, or a URL."""

    spec: str = ""

    @property
    def is_host(self) -> bool:
        return self.spec == HOST_MIRROR

    @property
    def is_url(self) -> bool:
        return self.spec.startswith(("http://", "https://"))

    def location(self, tag: str, name: str, root: Path) -> str:
        """A URL or a local path of ``name`` (an asset or SHA256SUMS) in release ``tag``."""
        if not self.spec:
            return f"{GITHUB_DOWNLOADS}/{tag}/{quote(name)}"
        if self.is_url:
            return f"{self.spec.rstrip('/')}/{quote(tag)}/{quote(name)}"
        base = Path(self.spec).expanduser()
        return str((base if base.is_absolute() else root / base) / tag / name)

    def describe(self) -> str:
        return redact(self.spec) if self.spec else "GitHub releases"


def parse_sums(text: str, source: str) -> dict[str, str]:
    """``SHA256SUMS`` lines (``<hex>  <name>``, optional ``*`` binary marker) → name → hex."""
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")
        if not _HEX64.fullmatch(digest.lower()) or not name:
            raise IntegrityError(f"{source} line {number} is not `<sha256>  <file name>`: {line!r}")
        sums[name] = digest.lower()
    return sums


# ------------------------------------------------------------------------------ lock file
@dataclass
class LockFile:
    """``shipyard.lock``: asset name → pinned sha256 (table ``[pbs]``)."""

    path: Path
    pins: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> LockFile:
        if user_path_kind(path, "lock file (tool.shipyard.sidecar.lock-file)") == "missing":
            return cls(path, {})
        data = parse_toml(read_user_text(path, "lock file", hint=REGENERATE), f"lock file {path}",
                          hint="regenerate it with `shipyard sidecar lock`")
        table = data.get("pbs", {})
        if not isinstance(table, dict) or not all(
                isinstance(v, str) and _HEX64.fullmatch(v) for v in table.values()):
            raise ConfigError(f"lock file {path}: [pbs] must map asset names to sha256 hex strings",
                              hint="regenerate it with `shipyard sidecar lock`")
        return cls(path, dict(table))

    def pin(self, asset: str) -> str | None:
        return self.pins.get(asset)

    def save(self) -> None:
        lines = [LOCK_HEADER, "[pbs]"]
        lines += [f'"{name}" = "{digest}"' for name, digest in sorted(self.pins.items())]
        atomic_write_text(self.path, "\n".join(lines) + "\n")
