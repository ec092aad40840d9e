"""``.dmg`` disk images of an app: ``hdiutil create -format UDZO`` on macOS, refused elsewhere.

The image holds the app and an ``Applications`` symlink to ``/Applications`` (the drag-to-
install layout).  Off macOS there is no writer of a real UDIF image with a Mac file system
to build on: apple-platform-py's ``dmg_create`` makes FAT32-backed images, and FAT32 cannot
hold symlinks (the ``/Applications`` link, a framework's ``Versions/Current``) or executable
bits, so such an image would install a broken app.  Rather than writing something that only
looks like a disk image, the stage stops with exit code 5 and says where it can run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shipyard.errors import ToolMissingError
from shipyard.fsutil import staging_dir
from shipyard.tools.base import is_macos
from shipyard.tools.hdiutil import Hdiutil
from shipyard.tools.runner import Runner

NOT_HERE = (
    "a .dmg cannot be built on this host: it needs hdiutil (macOS), and no library available "
    "here writes a UDIF image with an HFS+ or APFS file system — apple-platform-py's "
    "dmg_create makes FAT32 images, which cannot hold the /Applications link, the app's "
    "symlinks or its executable bits")
NOT_HERE_HINT = ("build the dmg on a macOS host (ci/provision-macos.sh); the zip and pkg "
                 "installers build here, or drop `dmg` from this host's formats")


def refuse_off_macos(macos: bool | None = None) -> None:
    if not (is_macos() if macos is None else macos):
        raise ToolMissingError(NOT_HERE, hint=NOT_HERE_HINT)


def build_dmg(app: Path, output: Path, *, volume_name: str, runner: Runner,
              macos: bool | None = None) -> Path:
    """``hdiutil create -volname V -srcfolder <app + Applications link> -format UDZO``."""
    refuse_off_macos(macos)
    hdiutil = Hdiutil(runner)
    hdiutil.require()
    with staging_dir(output.parent, f"dmg-{app.stem}") as work:
        folder = work / volume_name
        folder.mkdir()
        shutil.copytree(app, folder / app.name, symlinks=True)
        (folder / "Applications").symlink_to("/Applications")
        staged = work / output.name
        hdiutil.create(folder, staged, volname=volume_name, fmt="UDZO")
        if not runner.dry_run:
            os.replace(staged, output)
    return output
