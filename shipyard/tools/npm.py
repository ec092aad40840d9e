"""npm: publishing platform packages and the main package."""

from __future__ import annotations

from shipyard.tools.base import Tool


class Npm(Tool):
    name = "npm"
    executable = "npm"
    install_hint = "install Node.js 20+ (apt-get install nodejs npm, or brew install node)"
    version_from_file = True
