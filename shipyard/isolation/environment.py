"""Per-build isolation: each build step that runs project code or an installer gets its own
``HOME``, ``TMPDIR``, ``XDG_*`` and pip/uv caches under the build's staging directory, and an
environment built from an allowlist of the caller's variables.

Why: a build that inherits the invoking user's environment silently depends on it.  A
``~/.pip/pip.conf``, a ``PIP_INDEX_URL`` or a ``~/.config/uv/uv.toml`` would change which index
(and so which bytes) end up in a release artifact; a ``PYTHONPATH`` could make a broken bundle
pass its smoke test; a signing password in the environment would be visible to every build
backend and package ``setup.py``.  So nothing passes unless listed here, pip and uv are told
to read no configuration files at all, and secrets reach only a step that names them.

The directories live inside the staging directory of the build, which is removed on success,
failure and Ctrl-C (:func:`shipyard.fsutil.staging_dir`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shipyard import redact

#: Variables a build step may inherit: locale, terminal, reproducibility and the Apple / wheel
#: build settings cibuildwheel and Xcode set.  Everything else (PIP_*, UV_*, PYTHONPATH,
#: VIRTUAL_ENV, tokens, passwords ...) is dropped.
ALLOWED = frozenset({
    "PATH", "LANG", "LANGUAGE", "TERM", "TZ", "COLUMNS", "NO_COLOR", "FORCE_COLOR",
    "SOURCE_DATE_EPOCH", "CI", "GITHUB_ACTIONS",
    "MACOSX_DEPLOYMENT_TARGET", "ARCHFLAGS", "_PYTHON_HOST_PLATFORM", "DEVELOPER_DIR", "SDKROOT",
    "SHIPYARD_KERNELS_MISSING_TOOLCHAIN", "SHIPYARD_KERNELS_DEPLOYMENT_TARGET",
    "SHIPYARD_KERNELS_DEBUG",
    # The host's trust store (a company CA) is a property of the machine, not a build input.
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT",
    "UV_NATIVE_TLS",
})
ALLOWED_PREFIXES = ("LC_",)

#: Names that are secrets wherever they appear: never inherited, only passed on request.
SECRET_NAMES = redact.SECRET_NAMES

XDG_DIRS = ("cache", "config", "data", "state")


def inherited(base: Mapping[str, str]) -> dict[str, str]:
    """The caller's variables a build step may see (the allowlist, never a secret)."""
    return {k: v for k, v in base.items()
            if (k in ALLOWED or k.startswith(ALLOWED_PREFIXES)) and k not in SECRET_NAMES}


@dataclass(frozen=True)
class ProxySettings:
    """Where the build's proxy listens, as the proxy variables tell pip, uv and curl."""

    url: str

    def variables(self) -> dict[str, str]:
        # Both spellings: curl reads only the lower-case http_proxy.  NO_PROXY is emptied on
        # purpose: nothing, not even loopback, bypasses the allowlist.
        values = {"HTTP_PROXY": self.url, "HTTPS_PROXY": self.url, "NO_PROXY": ""}
        return {**values, **{k.lower(): v for k, v in values.items()}}


@dataclass
class BuildEnvironment:
    """The isolated environment of one build, rooted at ``root`` (inside its staging dir)."""

    root: Path
    base: Mapping[str, str]
    index_url: str = ""
    proxy: ProxySettings | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def create(self) -> BuildEnvironment:
        for folder in (self.home, self.tmp, *(self.root / "xdg" / n for n in XDG_DIRS),
                       self.root / "pip-cache", self.root / "uv-cache"):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def fixed(self) -> dict[str, str]:
        """What every step gets regardless of the caller: its own dirs, no foreign config."""
        xdg = {f"XDG_{n.upper()}_HOME": str(self.root / "xdg" / n) for n in XDG_DIRS}
        values = {
            "HOME": str(self.home), "TMPDIR": str(self.tmp), "TMP": str(self.tmp),
            "TEMP": str(self.tmp), **xdg,
            "PIP_CACHE_DIR": str(self.root / "pip-cache"), "UV_CACHE_DIR": str(self.root / "uv-cache"),
            # pip reads no configuration file at all when PIP_CONFIG_FILE is the null device;
            # uv reads none with UV_NO_CONFIG (user, system and project uv.toml).
            "PIP_CONFIG_FILE": os.devnull, "UV_NO_CONFIG": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONNOUSERSITE": "1",
        }
        if self.index_url:
            values.update(PIP_INDEX_URL=self.index_url, UV_INDEX_URL=self.index_url)
        if self.proxy is not None:
            values.update(self.proxy.variables())
        return {**values, **self.extra}

    def variables(self, *, extra: Mapping[str, str] | None = None,
                  secrets: Iterable[str] = ()) -> dict[str, str]:
        """The environment of one step: allowlisted caller variables, the fixed isolation
        settings, the step's own ``extra`` and the ``secrets`` it names (from the caller)."""
        env = {**inherited(self.base), **self.fixed(), **(extra or {})}
        for name in secrets:
            if self.base.get(name):
                env[name] = self.base[name]
        return env
