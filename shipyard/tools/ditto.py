"""ditto: the zip Apple's notary service expects for an .app (REFERENCE §5)."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult


class Ditto(Tool):
    name = "ditto"
    executable = "ditto"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def zip_keep_parent(self, source: Path | str, out: Path | str) -> CommandResult:
        """``ditto -c -k --sequesterRsrc --keepParent SRC OUT.zip`` (what notarization expects)."""
        return self.run(["-c", "-k", "--sequesterRsrc", "--keepParent", str(source), str(out)])
