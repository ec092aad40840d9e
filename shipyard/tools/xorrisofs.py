"""xorrisofs: the HFS+ volume of a dmg built off macOS (part of xorriso).

``xorrisofs -hfsplus`` writes an ISO 9660 image that also carries an Apple partition map and
a real HFS+ partition (symlinks, permission bits) over the same file data, the image a Mac
mounts from a dmg.  Dates, owners and ids are pinned so the same tree gives the same bytes.
"""

from __future__ import annotations

import time
from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult


class Xorrisofs(Tool):
    name = "xorrisofs"
    executable = "xorrisofs"
    install_hint = "apt-get install xorriso (Debian/Ubuntu), dnf install xorriso, brew install xorriso"
    version_args = ("-version",)
    version_from_file = True

    def parse_version(self, output: str) -> str:
        """``xorriso 1.5.4`` from the banner (the first line is the mkisofs emulation's)."""
        import re

        found = re.search(r"xorriso (\d+(?:\.\d+)+)", output)
        return found.group(1) if found else super().parse_version(output)

    def hfsplus_image(self, folder: Path | str, out: Path | str, *, volname: str,
                      mtime: int) -> CommandResult:
        """Image ``folder``'s contents as volume ``volname``, every date set to ``mtime``.

        ``SOURCE_DATE_EPOCH`` fixes the volume dates and the ids derived from them; the file
        dates are set explicitly; every file is owned by root:wheel (0:0)."""
        stamp = time.strftime("%Y%m%d%H%M%S00", time.gmtime(mtime))
        return self.run(["-hfsplus", "-R", "-V", volname, "-uid", "0", "-gid", "0",
                         f"--modification-date={stamp}", "--set_all_file_dates", f"={mtime}",
                         "-quiet", "-o", str(out), str(folder)],
                        extra_env={"SOURCE_DATE_EPOCH": str(mtime), "TZ": "UTC"})
