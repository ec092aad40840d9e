"""``.dmg`` disk images of an app: ``hdiutil create -format UDZO`` on macOS, xorrisofs elsewhere.

The image holds the app and an ``Applications`` symlink to ``/Applications`` (the drag-to-
install layout).  Off macOS, ``xorrisofs -hfsplus`` images the folder (an ISO 9660 image with
an Apple partition map and a real HFS+ partition: symlinks and executable bits survive) and
:mod:`shipyard.installers.udif` wraps that image as a zlib-compressed UDIF, the format hdiutil
writes.  With every date pinned to ``SOURCE_DATE_EPOCH`` two builds are byte-identical.

apple-platform-py's ``dmg_create`` is not used: it writes FAT32 volumes, which cannot hold
the ``/Applications`` link, a framework's ``Versions/Current`` or executable bits.  The image
is left unsigned here; ``shipyard sign`` signs the container after the app inside it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shipyard.archives import DEFAULT_EPOCH
from shipyard.errors import ConfigError, ToolMissingError
from shipyard.fsutil import staging_dir
from shipyard.tools.base import is_macos
from shipyard.tools.hdiutil import Hdiutil
from shipyard.tools.runner import Runner
from shipyard.tools.xorrisofs import Xorrisofs

#: ISO 9660's volume id field, which xorrisofs also uses for the HFS+ volume name.
MAX_VOLUME_NAME = 32


def build_dmg(app: Path, output: Path, *, volume_name: str, runner: Runner,
              macos: bool | None = None, mtime: int = DEFAULT_EPOCH) -> Path:
    """hdiutil on macOS; xorrisofs + the UDIF writer elsewhere (dates set to ``mtime``)."""
    on_macos = is_macos() if macos is None else macos
    if not on_macos:
        check_volume_name(volume_name)
    tool = Hdiutil(runner) if on_macos else Xorrisofs(runner)
    tool.require()
    with staging_dir(output.parent, f"dmg-{app.stem}") as work:
        folder = work / "volume"
        folder.mkdir()
        shutil.copytree(app, folder / app.name, symlinks=True)
        (folder / "Applications").symlink_to("/Applications")
        staged = work / output.name
        if isinstance(tool, Hdiutil):
            tool.create(folder, staged, volname=volume_name, fmt="UDZO")
        else:
            image = work / "volume.iso"
            tool.hfsplus_image(folder, image, volname=volume_name, mtime=mtime)
            if not runner.dry_run:
                from shipyard.installers.udif import write_udzo

                write_udzo(image.read_bytes(), staged)
        if not runner.dry_run:
            os.replace(staged, output)
    return output


def require_writer(volume_name: str, *, macos: bool | None = None) -> None:
    """Off macOS: xorrisofs on PATH and a volume name it takes, checked before any work
    (dry runs included; finding the tool starts no process)."""
    if is_macos() if macos is None else macos:
        return
    check_volume_name(volume_name)
    tool = Xorrisofs()
    if tool.which() is None:
        raise ToolMissingError("a .dmg built off macOS needs xorrisofs, which is not on PATH",
                               hint=f"install it ({tool.install_hint}), or build the dmg on "
                               "macOS (hdiutil)")


def check_volume_name(name: str) -> None:
    """xorrisofs refuses a volume id longer than 32 bytes: say so before any work."""
    if len(name.encode()) > MAX_VOLUME_NAME:
        raise ConfigError(
            f"tool.shipyard.package.volume-name {name[:60]!r} is {len(name.encode())} bytes; a "
            f"dmg built off macOS takes at most {MAX_VOLUME_NAME}",
            hint="set a shorter tool.shipyard.package.volume-name (it defaults to the app name)")
