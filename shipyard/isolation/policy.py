"""The build's egress allowlist: the sources the configuration implies, plus ``network.allow``."""

from __future__ import annotations

from urllib.parse import urlsplit

from shipyard.config.model import ShipyardConfig
from shipyard.isolation.proxy import Allowlist

PYPI_HOSTS = ("pypi.org", "files.pythonhosted.org")
#: Where GitHub release assets are served from after the redirect.
GITHUB_HOSTS = ("github.com", "objects.githubusercontent.com", "release-assets.githubusercontent.com")


def implied_hosts(config: ShipyardConfig) -> list[str]:
    """Hosts the configuration names as sources: the package index and the PBS origin."""
    hosts: list[str] = []
    index = (urlsplit(config.network.index_url).hostname or "").lower()
    if index:
        hosts.append(index)
    if index == "pypi.org":
        hosts += PYPI_HOSTS
    mirror = config.sidecar.pbs_mirror.strip()
    if not mirror:
        hosts += GITHUB_HOSTS
    elif mirror.startswith(("http://", "https://")):
        hosts.append((urlsplit(mirror).hostname or "").lower())
    return list(dict.fromkeys(h for h in hosts if h))


def build_allowlist(config: ShipyardConfig) -> Allowlist:
    extra = [entry.strip().lower() for entry in config.network.allow]
    return Allowlist(tuple(dict.fromkeys([*implied_hosts(config), *extra])))
