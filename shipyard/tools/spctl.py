"""spctl: Gatekeeper assessment of apps, disk images and installer packages."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult

ASSESS_ARGS = {
    ".app": ["--assess", "--type", "execute", "-v"],
    ".dmg": ["-a", "-t", "open", "--context", "context:primary-signature", "-v"],
    ".pkg": ["-a", "-t", "install", "-v"],
}


class Spctl(Tool):
    name = "spctl"
    executable = "spctl"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    @staticmethod
    def can_assess(path: Path | str) -> bool:
        return Path(path).suffix in ASSESS_ARGS

    def assess(self, path: Path | str, *, check: bool = True,
               read_only: bool = True) -> CommandResult:
        """The Gatekeeper assessment matching the file type (.app, .dmg, .pkg)."""
        suffix = Path(path).suffix
        if suffix not in ASSESS_ARGS:
            raise ValueError(f"spctl cannot assess {suffix or 'this kind of'} files: {path}")
        return self.run([*ASSESS_ARGS[suffix], str(path)], read_only=read_only, check=check)
