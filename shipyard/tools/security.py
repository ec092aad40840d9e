"""security: temporary CI keychains (REFERENCE §4)."""

from __future__ import annotations

from shipyard.tools.base import Tool


class Security(Tool):
    name = "security"
    executable = "security"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True
