"""Safe extraction of a PBS archive: every member is checked before anything is written.

Refused: absolute paths, ``..`` components, symbolic or hard links whose target leaves the
tree, and device or FIFO members.  The whole archive is vetted first, so a hostile member
anywhere means nothing at all is extracted.
"""

from __future__ import annotations

import posixpath
import tarfile
from pathlib import Path

from shipyard.errors import IntegrityError


def check_member(member: tarfile.TarInfo, archive: str) -> None:
    """Raise :class:`IntegrityError` when ``member`` could write outside the extraction root."""
    name = member.name
    if _escapes(name, base="") or ".." in name.split("/"):
        raise _hostile(archive, name, "its path is absolute or climbs out with `..`")
    if member.issym():
        target = member.linkname
        if posixpath.isabs(target) or _escapes(target, base=posixpath.dirname(name)):
            raise _hostile(archive, name, f"it is a symbolic link to {target!r}, outside the tree")
    elif member.islnk():
        if _escapes(member.linkname, base=""):
            raise _hostile(archive, name, f"it is a hard link to {member.linkname!r}, outside the tree")
    elif not (member.isfile() or member.isdir()):
        raise _hostile(archive, name, "it is a device, FIFO or other special file")


def extract_archive(archive: Path, dest: Path) -> list[str]:
    """Extract ``archive`` (tar.gz) into ``dest`` after vetting every member; return the names."""
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            check_member(member, archive.name)
        dest.mkdir(parents=True, exist_ok=True)
        if hasattr(tarfile, "data_filter"):  # 3.11.4+: a second, independent guard
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - older 3.11 patch releases
            tar.extractall(dest, members=members)
    return [m.name for m in members]


def _escapes(path: str, *, base: str) -> bool:
    if not path or posixpath.isabs(path) or (len(path) > 1 and path[1] == ":"):
        return True
    joined = posixpath.normpath(posixpath.join(base, path))
    return joined == ".." or joined.startswith("../") or posixpath.isabs(joined)


def _hostile(archive: str, member: str, why: str) -> IntegrityError:
    return IntegrityError(
        f"{archive}: refusing to extract member {member!r}: {why}; nothing was extracted",
        hint="the archive is corrupt or hostile; check the mirror it came from",
    )
