"""The one deterministic archive module: zip, tar and tar.gz.  Same tree → same bytes.

Used by the sidecar (tarball and its compressed-output cache), packaging, the installers
(zip like ``ditto -c -k --keepParent``), the SwiftPM publisher and notarization.

The rules, the same for every format:

* **Timestamps**: every entry's mtime is ``SOURCE_DATE_EPOCH`` when it is set, otherwise
  1980-01-01T00:00:00Z (315532800) — the earliest time a zip can hold, so one value fits every
  format (see :func:`source_date_epoch`).  The gzip header carries mtime 0 and no file name.
* **Order**: entries sorted by name at each level, parents before children.
* **Owners**: uid/gid 0, no user or group names, no extended attributes.
* **Modes**: 0755 for folders and executables (any x bit set), 0644 otherwise; symlinks are
  kept as symlinks (app bundles and XCFrameworks rely on them); sockets, FIFOs and devices
  never belong in an archive and are skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from shipyard.errors import ConfigError
from shipyard.fsutil import CHUNK, replacing

#: 1980-01-01T00:00:00Z: used when SOURCE_DATE_EPOCH is not set (the zip epoch).
DEFAULT_EPOCH = 315532800
COMPRESS_LEVEL = 6
#: Read files in 1 MiB chunks (tarfile's default is 16 KiB); the output bytes do not change.
COPY_BUFFER = CHUNK


def source_date_epoch(env: Mapping[str, str] | None = None) -> int:
    """The timestamp of every archive entry (the module's one timestamp rule)."""
    value = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return DEFAULT_EPOCH
    if not (value.isascii() and value.isdigit()):  # isdigit() alone admits "²"
        raise ConfigError(f"SOURCE_DATE_EPOCH must be an integer (seconds), got {value!r}",
                          hint="for example: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
    return int(value)


# ------------------------------------------------------------------------------ the tree
@dataclass(frozen=True)
class Entry:
    """One archive member: ``name`` relative to the archive root, POSIX separators."""

    path: Path
    name: str
    kind: str  # "dir", "file", "link"
    mode: int
    size: int = 0
    link: str = ""


def entries(source: Path, arcname: str) -> Iterator[Entry]:
    """``source`` as ``arcname`` and, for a folder, everything under it, sorted."""
    yield from _entries(source, arcname)


def _entries(path: Path, name: str) -> Iterator[Entry]:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        yield Entry(path, name, "link", 0o777, link=os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        yield Entry(path, name, "dir", 0o755)
        for child in sorted(os.scandir(path), key=lambda e: e.name):
            yield from _entries(Path(child.path), f"{name}/{child.name}")
    elif stat.S_ISREG(st.st_mode):
        yield Entry(path, name, "file", 0o755 if st.st_mode & 0o111 else 0o644, st.st_size)


# ------------------------------------------------------------------------------ tar
class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def tell(self) -> int: ...


def write_tar_stream(tree: Path, arcname: str, fileobj: Writable, *, mtime: int) -> None:
    """The deterministic, uncompressed tar stream of ``tree`` (as ``arcname/…``)."""
    # typeshed wants a readable file object; writing mode only ever calls write() and tell()
    with tarfile.TarFile(fileobj=fileobj, mode="w", format=tarfile.GNU_FORMAT,  # type: ignore[arg-type]
                         copybufsize=COPY_BUFFER) as tar:
        for entry in entries(tree, arcname):
            info = tarfile.TarInfo(entry.name)
            info.mtime, info.mode = mtime, entry.mode
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if entry.kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, entry.link
                tar.addfile(info)
            elif entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = entry.size
                with open(entry.path, "rb") as handle:
                    tar.addfile(info, handle)


def write_tarball(tree: Path, arcname: str, output: Path, *, mtime: int,
                  level: int = COMPRESS_LEVEL) -> None:
    """Archive ``tree`` as ``arcname/…`` into ``output`` (tar.gz), deterministically."""
    with open(output, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                          compresslevel=level) as gz:
        write_tar_stream(tree, arcname, gz, mtime=mtime)


class _HashingSink:
    """A write-only file object that only hashes what it is given."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size


def tar_stream_sha256(tree: Path, arcname: str, *, mtime: int) -> str:
    """sha256 of the uncompressed tar stream :func:`write_tarball` would compress.

    Equal digests mean equal archives (for the same compression settings): the key of the
    packaged-sidecar cache.  Costs one read of the tree, no compression.
    """
    sink = _HashingSink()
    write_tar_stream(tree, arcname, sink, mtime=mtime)
    return sink.digest.hexdigest()


# ------------------------------------------------------------------------------ zip
def zip_time(mtime: int) -> tuple[int, int, int, int, int, int]:
    """A zip timestamp (UTC, even seconds: the format's resolution) for ``mtime``."""
    t = time.gmtime(max(mtime, DEFAULT_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def _zip_info(entry: Entry, date: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.name + ("/" if entry.kind == "dir" else ""), date)
    info.create_system = 3  # unix, so the permission bits below are honoured
    if entry.kind == "link":
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    elif entry.kind == "dir":
        info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
    else:
        info.external_attr = (stat.S_IFREG | entry.mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = entry.size  # lets zipfile choose zip64 up front for huge files
    return info


def write_zip_stream(source: Path, fileobj: BinaryIO, *, keep_parent: bool = True,
                     mtime: int | None = None) -> None:
    """Zip ``source`` into ``fileobj`` the way ``ditto -c -k --keepParent`` lays it out:
    the folder itself is the top entry (without ``keep_parent`` only its contents are)."""
    date = zip_time(source_date_epoch() if mtime is None else mtime)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED,
                         compresslevel=COMPRESS_LEVEL) as archive:
        for entry in entries(source, source.name):
            name = entry.name if keep_parent else entry.name.partition("/")[2]
            if not name:
                continue
            info = _zip_info(Entry(entry.path, name, entry.kind, entry.mode, entry.size,
                                   entry.link), date)
            if entry.kind == "link":
                archive.writestr(info, entry.link)
            elif entry.kind == "dir":
                archive.writestr(info, b"")
            else:
                with open(entry.path, "rb") as src, archive.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, COPY_BUFFER)


def write_zip(source: Path, out: Path, *, keep_parent: bool = True,
              mtime: int | None = None) -> Path:
    """Write the zip of ``source`` to ``out`` through a temporary file renamed into place."""
    with replacing(out, mode=0o644) as tmp, open(tmp, "xb") as handle:
        write_zip_stream(source, handle, keep_parent=keep_parent, mtime=mtime)
    return out


def write_tar_gz(source: Path, out: Path, *, mtime: int | None = None) -> Path:
    """``source`` (a folder or one file) as ``<name>/…`` in ``out``, renamed into place."""
    with replacing(out, mode=0o644) as tmp:
        write_tarball(source, source.name, tmp,
                      mtime=source_date_epoch() if mtime is None else mtime)
    return out
