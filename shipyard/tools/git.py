"""git: tap and SwiftPM repositories."""

from __future__ import annotations

from shipyard.tools.base import Tool


class Git(Tool):
    name = "git"
    executable = "git"
    install_hint = "apt-get install git (Linux) or xcode-select --install (macOS)"
    version_from_file = True
