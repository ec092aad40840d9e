"""Safe extraction of a PBS archive: every member is checked before anything is written.

Refused: absolute paths, ``..`` components, symbolic or hard links whose target leaves the
tree, and device or FIFO members.  The whole archive is vetted first, so a hostile member
anywhere means nothing at all is extracted.

Vetting first means reading the archive twice; a gzip stream cannot seek, so each read would
decompress it again.  :func:`inflated_tar` decompresses a verified download once into the
cache (``<cache>/inflated/<archive sha256>-<tar sha256>.tar``, its own hash checked before
every use), and warm rebuilds extract from that plain tar without decompressing at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from shipyard import ui
from shipyard.errors import IntegrityError
from shipyard.fsutil import CHUNK, sha256_file

GZIP_MAGIC = b"\x1f\x8b"


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


def extract_archive(archive: Path, dest: Path, *, label: str = "") -> list[str]:
    """Extract ``archive`` (a tar, compressed or not) into ``dest`` after vetting every member;
    return the names.  Errors name the archive as ``label`` (default: its file name)."""
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            check_member(member, label or archive.name)
        dest.mkdir(parents=True, exist_ok=True)
        if hasattr(tarfile, "data_filter"):  # 3.11.4+: a second, independent guard
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - older 3.11 patch releases
            tar.extractall(dest, members=members)
    return [m.name for m in members]


def inflated_tar(archive: Path, archive_sha256: str, cache_dir: Path) -> Path:
    """The uncompressed tar of the (already verified) gzip ``archive``, decompressed once.

    Not gzip: ``archive`` itself.  A cached copy whose bytes no longer match the digest in its
    name is deleted and decompressed again.
    """
    with open(archive, "rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            return archive
    directory = cache_dir / "inflated"
    for entry in sorted(directory.glob(f"{archive_sha256}-*.tar")):
        if sha256_file(entry) == entry.name[len(archive_sha256) + 1:-len(".tar")]:
            return entry
        ui.warn(f"cached decompressed archive {entry.name} is corrupt; decompressing again")
        entry.unlink(missing_ok=True)
    try:
        return _inflate_into(archive, archive_sha256, directory)
    except OSError as exc:
        ui.warn(f"could not cache the decompressed {archive.name} in {directory} ({exc}); "
                "extracting from the compressed archive")
        return archive


def _inflate_into(archive: Path, archive_sha256: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".inflate-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _gunzip(archive, out)
        final = directory / f"{archive_sha256}-{digest}.tar"
        os.replace(tmp, final)
        return final
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _gunzip(archive: Path, out: BinaryIO) -> str:
    """Decompress every gzip member of ``archive`` into ``out``; the sha256 of what was written."""
    digest = hashlib.sha256()

    def write(data: bytes) -> None:
        digest.update(data)
        out.write(data)

    inflater: zlib._Decompress | None = None
    try:
        with open(archive, "rb") as src:
            while chunk := src.read(CHUNK):
                while chunk:
                    if inflater is None:
                        chunk = chunk.lstrip(b"\0")  # zero padding between or after members
                        if not chunk:
                            break
                        inflater = zlib.decompressobj(wbits=31)
                    chunk = _inflate(inflater, chunk, write)
                    if inflater.eof:  # a member ended; the rest may start another
                        inflater = None
        if inflater is not None:  # output zlib still holds back
            write(inflater.flush())
            inflater = None if inflater.eof else inflater
    except zlib.error as exc:
        raise _corrupt(archive, str(exc)) from None
    if inflater is not None:
        raise _corrupt(archive, "it ends in the middle of a gzip member")
    return digest.hexdigest()


def _inflate(inflater: zlib._Decompress, chunk: bytes, write: Callable[[bytes], None]) -> bytes:
    """Feed ``chunk``, writing at most CHUNK bytes at a time; return input past the member's end."""
    while chunk and not inflater.eof:
        write(inflater.decompress(chunk, CHUNK))
        chunk = inflater.unconsumed_tail
    return inflater.unused_data if inflater.eof else b""


def _corrupt(archive: Path, why: str) -> IntegrityError:
    return IntegrityError(f"{archive.name} is not a valid gzip archive: {why}",
                          hint="the archive is corrupt or hostile; check the mirror it came from")


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
