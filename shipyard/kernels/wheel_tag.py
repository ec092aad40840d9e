"""The wheel tag of a project with Metal kernels: ``py3-none-macosx_<major>_0_arm64``.

The metallibs do not depend on the Python ABI, only on the OS and CPU, so one wheel serves every
Python.  The platform follows what cibuildwheel sets (MACOSX_DEPLOYMENT_TARGET, ARCHFLAGS,
_PYTHON_HOST_PLATFORM), never older than the kernels' own deployment target.
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Mapping

from shipyard.errors import ConfigError

ARCH = "arm64"


def _version(text: str, what: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.\d+)?", text.strip())
    if not match:
        raise ConfigError(f"{what} must look like 14.0, got {text!r}")
    return int(match[1]), int(match[2] or 0)


def target_archs(env: Mapping[str, str]) -> list[str]:
    """CPU architectures requested by ARCHFLAGS / _PYTHON_HOST_PLATFORM (this host's when unset)."""
    archs = re.findall(r"-arch\s+(\S+)", env.get("ARCHFLAGS", ""))
    host_platform = env.get("_PYTHON_HOST_PLATFORM", "")
    if not archs and host_platform.startswith("macosx-"):
        archs = [host_platform.rsplit("-", 1)[-1]]
    if not archs and sys.platform == "darwin":
        archs = [platform.machine()]
    return archs or [ARCH]


def require_arm64(env: Mapping[str, str]) -> None:
    """Fail early when the build targets anything but arm64 (Metal kernels are Apple-Silicon only)."""
    others = [a for a in target_archs(env) if a != ARCH]
    if others:
        source = "ARCHFLAGS" if env.get("ARCHFLAGS") else "_PYTHON_HOST_PLATFORM or this host"
        raise ConfigError(
            f"this build targets {', '.join(others)} ({source}), but Metal kernels are built for "
            "Apple Silicon (arm64) only",
            hint='build with ARCHFLAGS="-arch arm64" (cibuildwheel: [tool.cibuildwheel.macos] '
            'archs = ["arm64"])')


def platform_tag(env: Mapping[str, str], deployment_target: str) -> str:
    """``macosx_14_0_arm64`` from the environment and the kernels' deployment target."""
    require_arm64(env)
    wanted = _version(deployment_target, "tool.shipyard.kernels.deployment-target")
    given = env.get("MACOSX_DEPLOYMENT_TARGET", "")
    if given:
        wanted = max(wanted, _version(given, "MACOSX_DEPLOYMENT_TARGET"))
    # From macOS 11 on, installers only match minor version 0 (packaging.tags.mac_platforms).
    return f"macosx_{wanted[0]}_0_{ARCH}"


def wheel_tag(env: Mapping[str, str], deployment_target: str) -> str:
    return f"py3-none-{platform_tag(env, deployment_target)}"
