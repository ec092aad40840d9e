"""hdiutil: disk images (REFERENCE §5)."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult

DMG_FORMATS = ("UDZO", "ULFO", "ULMO")


class Hdiutil(Tool):
    name = "hdiutil"
    executable = "hdiutil"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def create(self, source: Path | str, out: Path | str, *, volname: str,
               fmt: str = "UDZO") -> CommandResult:
        if fmt not in DMG_FORMATS:
            raise ValueError(f"unknown DMG format {fmt!r}; use one of {', '.join(DMG_FORMATS)}")
        return self.run(["create", "-volname", volname, "-srcfolder", str(source), "-ov",
                         "-format", fmt, str(out)])
