"""The hermetic-build sections of ``[tool.shipyard]``: ``network``, ``host`` and ``cache``.

Kept beside :mod:`shipyard.config.model` (which adds them to ``ShipyardConfig``) so that module
stays readable; the same frozen, keyword-only dataclasses with ``option(...)`` docs.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from shipyard.config.fields import option
from shipyard.errors import ConfigError

DEFAULT_INDEX = "https://pypi.org/simple"

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
#: ``name``, ``name>=1.2`` or ``name==1.2`` (a Homebrew formula, a Debian package).
_SPEC = re.compile(r"([A-Za-z0-9][A-Za-z0-9@+._-]*)(?:(>=|==)([A-Za-z0-9.:+~_-]+))?")
_PY = re.compile(r"3\.\d{1,2}")


def check_host_entry(entry: str, path: str) -> str:
    """An allowlist entry: a host name (``pypi.org``), a ``*.``-wildcard or an IP address.

    URLs, ports and paths are refused: the proxy decides by host alone, and a URL in the list
    would silently never match anything.
    """
    value = entry.strip().lower()
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    name = value[2:] if value.startswith("*.") else value
    labels = name.split(".")
    if name and len(name) <= 253 and all(_LABEL.fullmatch(label) for label in labels):
        return value
    hint = "write the bare host name, e.g. \"pypi.org\" or \"*.githubusercontent.com\""
    if "://" in value or "/" in value or ":" in value:
        hint = f"{hint} (no scheme, port or path)"
    raise ConfigError(f"{path}: {entry!r} is not a host name or IP address", hint=hint)


@dataclass(frozen=True, kw_only=True)
class NetworkConfig:
    """``[tool.shipyard.network]``: what the build's steps may reach, through shipyard's proxy."""

    mode: str = option(
        "proxy", doc="`off`: no proxy, the build reaches whatever the host reaches. `proxy`: pip, "
        "uv and shipyard's own downloads go through an allowlisting proxy on loopback, each "
        "request logged. `enforce`: `proxy`, and on Linux the build's subprocesses run in a network "
        "namespace whose only way out is that proxy.",
        choices=("off", "proxy", "enforce"), env=("SHIPYARD_NETWORK_MODE",),
    )
    allow: list[str] = option(
        default_factory=list, doc="Extra hosts the build may reach (host names, `*.` wildcards or "
        "IP addresses), added to the sources the configuration implies: the `index-url` host "
        "(and files.pythonhosted.org for PyPI), the PBS mirror's host, or GitHub's release hosts "
        "when there is no mirror.",
    )
    index_url: str = option(
        DEFAULT_INDEX, doc="The package index pip and uv use in every build step (the invoking "
        "user's pip/uv configuration is never read).", env=("SHIPYARD_INDEX_URL",),
    )
    proxy_port: int = option(
        0, doc="Loopback port of the build proxy; 0 picks a free one.", minimum=0,
    )

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.allow):
            check_host_entry(entry, f"tool.shipyard.network.allow[{i}]")
        if self.proxy_port > 65535:
            raise ConfigError(f"tool.shipyard.network.proxy-port {self.proxy_port} is not a port",
                              hint="use 1-65535, or 0 for a free one")
        if not self.index_url.startswith(("http://", "https://")):
            raise ConfigError(f"tool.shipyard.network.index-url must be an http(s) URL, got "
                              f"{self.index_url!r}", hint=f"for PyPI: \"{DEFAULT_INDEX}\"")


def check_spec(entry: str, path: str) -> str:
    if not _SPEC.fullmatch(entry.strip()):
        raise ConfigError(f"{path}: {entry!r} is not `name`, `name>=VERSION` or `name==VERSION`",
                          hint="for example \"llvm@17\" or \"node>=20.10\"")
    return entry.strip()


@dataclass(frozen=True, kw_only=True)
class HostConfig:
    """``[tool.shipyard.host]``: what the build host must have (`shipyard provision`)."""

    brew: list[str] = option(
        default_factory=list, doc="Homebrew formulae (macOS): `name`, `name>=VERSION` or "
        "`name==VERSION`.",
    )
    xcode_clt: bool = option(
        False, doc="Xcode or its command line tools (macOS; `xcode-select -p` answers)."
    )
    metal_toolchain: bool = option(
        False, doc="The Metal toolchain component of Xcode (macOS; `xcodebuild -showComponent "
        "MetalToolchain`).",
    )
    python: list[str] = option(
        default_factory=list, doc="Python versions whose `python3.X` must be on PATH, e.g. `3.12`.",
    )
    apt: list[str] = option(
        default_factory=list, doc="Debian packages (Linux): `name`, `name>=VERSION` or "
        "`name==VERSION`.",
    )

    @property
    def requires_anything(self) -> bool:
        """Whether the table lists anything at all (``doctor`` checks nothing otherwise)."""
        return bool(self.brew or self.xcode_clt or self.metal_toolchain or self.python
                    or self.apt)

    def __post_init__(self) -> None:
        for key in ("brew", "apt"):
            for i, entry in enumerate(getattr(self, key)):
                check_spec(entry, f"tool.shipyard.host.{key}[{i}]")
        for i, version in enumerate(self.python):
            if not _PY.fullmatch(version):
                raise ConfigError(f"tool.shipyard.host.python[{i}]: {version!r} is not a "
                                  "Python version like \"3.12\"")


@dataclass(frozen=True, kw_only=True)
class CacheConfig:
    """``[tool.shipyard.cache]``: limits `shipyard cache prune` applies to the build caches."""

    max_size_mb: int = option(
        10240, doc="Largest total size of each cache (kernels, PBS downloads, decompressed PBS) "
        "in MiB; the least recently used entries go first. 0 means no size limit.", minimum=0,
    )
    max_age_days: int = option(
        60, doc="Entries not used for this many days are removed. 0 means no age limit.", minimum=0,
    )
