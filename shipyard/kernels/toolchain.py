"""The Metal toolchain of this host: is it here, which version, which Metal language version.

Its identity is a fingerprint of file metadata only (the resolved ``xcrun`` and ``metal``
executables, the ``xcode-select`` link, DEVELOPER_DIR), so a no-op build can confirm the
toolchain did not change without starting any process.  Versions are queried once per
fingerprint and remembered in the build state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from shipyard import ui
from shipyard.errors import ToolMissingError
from shipyard.tools.base import is_macos
from shipyard.tools.xcrun import METAL_TOOLCHAIN_HINT, Metal

XCODE_SELECT_LINK = "/var/db/xcode_select_link"


@dataclass(frozen=True)
class Toolchain:
    """What the cache keys on and kernels.json reports."""

    fingerprint: str
    version: str
    metal_path: str
    deployment_target: str
    metal_version: int

    @property
    def language(self) -> str:
        """``310`` → ``"3.1"``."""
        return f"{self.metal_version // 100}.{self.metal_version % 100 // 10}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _stat_token(path: str | None) -> list[object]:
    if not path:
        return [None]
    try:
        stat = os.stat(path)
    except OSError:
        return [path, None]
    return [path, stat.st_mtime_ns, stat.st_size, stat.st_ino]


def fingerprint(metal: Metal, metal_path: str, env: Mapping[str, str]) -> str:
    """Identity of the toolchain from file metadata only (no process is started)."""
    xcrun = shutil.which(metal.command()[0])
    link = os.path.realpath(XCODE_SELECT_LINK) if os.path.lexists(XCODE_SELECT_LINK) else ""
    token = [_stat_token(xcrun), _stat_token(metal_path), link, env.get("DEVELOPER_DIR", ""),
             env.get("TOOLCHAINS", "")]
    return hashlib.sha256(json.dumps(token).encode()).hexdigest()


def remembered(state: Mapping[str, Any] | None, metal: Metal, deployment_target: str,
               env: Mapping[str, str]) -> Toolchain | None:
    """The toolchain recorded in the build state, if its files are unchanged."""
    if not state or state.get("deployment_target") != deployment_target:
        return None
    try:
        known = Toolchain(**state)
    except TypeError:
        return None
    if fingerprint(metal, known.metal_path, env) != known.fingerprint:
        return None
    return known


def probe(metal: Metal, deployment_target: str, env: Mapping[str, str]) -> Toolchain | None:
    """Ask the toolchain for its version and Metal language version (read-only commands).

    Returns None when it is missing; the caller applies ``missing-toolchain``.
    """
    status = metal.verify()
    if not status.present:
        return None
    version = status.version or metal.version()
    return Toolchain(fingerprint=fingerprint(metal, status.path, env), version=version,
                     metal_path=status.path, deployment_target=deployment_target,
                     metal_version=metal.language_version(deployment_target))


def missing(metal: Metal, policy: str) -> None:
    """Apply the ``missing-toolchain`` policy: raise, or warn loudly (skip)."""
    status = metal.verify()
    if is_macos():
        hint = METAL_TOOLCHAIN_HINT if metal.which() else "xcode-select --install"
        raise ToolMissingError(f"the Metal toolchain is not installed ({status.detail})",
                               hint=f"install it with: {hint}")
    if policy != "skip":
        raise ToolMissingError(
            f"no Metal toolchain on this host ({status.detail}): Metal kernels compile only with "
            "Apple's toolchain",
            hint="build on macOS, or set tool.shipyard.kernels.missing-toolchain = \"skip\" to "
            "build a pure wheel without kernels")
    ui.notice("no Metal toolchain on this host: building WITHOUT Metal kernels "
              "(tool.shipyard.kernels.missing-toolchain = \"skip\"); the result has no metallibs")
