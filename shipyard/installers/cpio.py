"""gzip'ed cpio archives in the portable ASCII ("odc", POSIX.1 ``070707``) format.

That is what ``pkgbuild`` writes as a component package's ``Payload`` and ``Scripts``:
member names start with ``./`` (the install location is ``.``), the root itself is the first
member, and the archive ends with a ``TRAILER!!!`` member.  Entries follow
:mod:`shipyard.archives`' rules (sorted, one timestamp, uid/gid 0, normalised modes), and
every file gets its own inode number so no reader mistakes two files for hard links.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from shipyard.archives import COMPRESS_LEVEL, COPY_BUFFER, Entry, entries

MAGIC = b"070707"
TRAILER = "TRAILER!!!"
MAX_SIZE = 8**11 - 1  # the odc size field: 11 octal digits
TYPE_BITS = {"dir": stat.S_IFDIR, "file": stat.S_IFREG, "link": stat.S_IFLNK}


def _header(*, ino: int, mode: int, nlink: int, mtime: int, name: bytes, size: int) -> bytes:
    return b"".join((
        MAGIC,
        b"%06o" % 0,          # dev
        b"%06o" % (ino % 8**6),
        b"%06o" % mode,
        b"%06o" % 0,          # uid
        b"%06o" % 0,          # gid
        b"%06o" % nlink,
        b"%06o" % 0,          # rdev
        b"%011o" % mtime,
        b"%06o" % (len(name) + 1),
        b"%011o" % size,
        name, b"\0",
    ))


#: Mode of the payload root ``.`` (the install location, /Applications): what that folder has
#: on a Mac, so nothing reads as a permission change.
ROOT_MODE = 0o775


def payload_entries(item: Path) -> list[Entry]:
    """The members of a payload installing ``item``: ``.``, then ``./<item>`` and below."""
    root = Entry(item.parent, ".", "dir", ROOT_MODE)
    return [root, *entries(item, f"./{item.name}")]


def write_cpio(members: Iterable[Entry], out: BinaryIO, *, mtime: int) -> int:
    """Write ``members`` then the trailer to ``out``; return the number of members."""
    count = 0
    for count, entry in enumerate(members, start=1):
        if entry.size > MAX_SIZE:
            raise ValueError(f"{entry.name} is larger than a cpio odc member can be")
        mode = TYPE_BITS[entry.kind] | (entry.mode & 0o7777)
        data = entry.link.encode() if entry.kind == "link" else b""
        size = entry.size if entry.kind == "file" else len(data)
        out.write(_header(ino=count, mode=mode, nlink=2 if entry.kind == "dir" else 1,
                          mtime=mtime, name=os.fsencode(entry.name), size=size))
        if entry.kind == "file":
            with open(entry.path, "rb") as handle:
                shutil.copyfileobj(handle, out, COPY_BUFFER)
        else:
            out.write(data)
    out.write(_header(ino=0, mode=0, nlink=1, mtime=0, name=TRAILER.encode(), size=0))
    return count


def write_cpio_gz(members: Iterable[Entry], output: Path, *, mtime: int) -> int:
    """gzip (mtime 0, no name) of :func:`write_cpio`, written to ``output``."""
    with open(output, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                          compresslevel=COMPRESS_LEVEL) as gz:
        return write_cpio(members, gz, mtime=mtime)  # type: ignore[arg-type]
