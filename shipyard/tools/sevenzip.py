"""7-Zip: reads the HFS+ volume of a dmg on hosts without hdiutil (``shipyard verify``)."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult


class SevenZip(Tool):
    name = "7z"
    executable = "7z"
    install_hint = "apt-get install 7zip (or p7zip-full), brew install sevenzip"
    version_args = ()

    def extract(self, archive: Path | str, into: Path | str) -> CommandResult:
        """``7z x -y -snl -o<into> <archive>``: symlinks are extracted as links (-snl)."""
        return self.run(["x", "-y", "-snl", f"-o{into}", str(archive)], read_only=True,
                        quiet=True)
