"""Safe extraction of a PBS archive: every member is checked before anything is written.

Refused: absolute paths, ``..`` components, symbolic or hard links whose target leaves the
tree, and device or FIFO members.  The whole archive is vetted first, so a hostile member
anywhere means nothing at all is extracted.

Vetting first means reading the archive twice; a gzip stream cannot seek, so each read would
decompress it again.  :func:`inflated_tar` decompresses a verified download once into the
cache (``<cache>/inflated/<archive sha256>-<tar sha256>.tar``), and warm rebuilds extract
from that plain tar without decompressing at all.  Its name proves nothing: the record
``<archive sha256>-record.json`` written when it is made (see :mod:`.cacherecord`) holds the
sha256 of the tar, checked before every use, and the manifest of the tree it extracts to,
checked after every extraction (:func:`unpack_pinned`).

A matching sha256 proves only that the archive is the one pinned, not that it is harmless: a
small archive can inflate to gigabytes.  Decompression stops as soon as the output passes
:func:`inflate_limit` (``max-inflate-ratio`` times the compressed size, never more than
:data:`INFLATE_CEILING`), and the member sizes of a tar are added up against the same limit
before anything is extracted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from shipyard import ui
from shipyard.errors import IntegrityError
from shipyard.fsutil import CHUNK, held_temp_path, sha256_file
from shipyard.sidecar.cacherecord import (
    drop,
    load_record,
    manifest_difference,
    tree_manifest,
    write_record,
)

GZIP_MAGIC = b"\x1f\x8b"
#: Default of ``tool.shipyard.sidecar.max-inflate-ratio``: real PBS archives inflate 3-5x.
DEFAULT_INFLATE_RATIO = 25
#: Never inflate more than this (2 GiB), whatever the ratio allows: no PBS build comes near.
INFLATE_CEILING = 2 << 30
#: Tiny archives are mostly tar padding, which compresses far better than any ratio.
INFLATE_FLOOR = 1 << 20


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


def check_zip_members(infos: Sequence[zipfile.ZipInfo], archive: str,
                      max_bytes: int = INFLATE_CEILING) -> None:
    """Raise :class:`IntegrityError` when a zip member could write outside the extraction
    root, is a special file, or the members add up to more than ``max_bytes`` (a bomb)."""
    total = 0
    for info in infos:
        name = info.filename
        if _escapes(name.rstrip("/") or ".", base="") or ".." in name.split("/"):
            raise _hostile(archive, name, "its path is absolute or climbs out with `..`")
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK):
            raise _hostile(archive, name, "it is a device, FIFO or other special file")
        total += tarfile.BLOCKSIZE + info.file_size  # an empty member still costs a header
        if total > max_bytes:
            raise _bomb(archive, max_bytes)


def inflate_limit(compressed_size: int, ratio: int = DEFAULT_INFLATE_RATIO) -> int:
    """How many bytes an archive of ``compressed_size`` bytes may inflate to."""
    return min(max(ratio * compressed_size, INFLATE_FLOOR), INFLATE_CEILING)


def extract_archive(archive: Path, dest: Path, *, label: str = "",
                    max_bytes: int | None = None) -> list[str]:
    """Extract ``archive`` (a tar, compressed or not) into ``dest`` after vetting every member;
    return the names.  Errors name the archive as ``label`` (default: its file name).

    ``max_bytes`` bounds the sum of the members' sizes (default: :data:`INFLATE_CEILING`)."""
    shown = label or archive.name
    limit = INFLATE_CEILING if max_bytes is None else max_bytes
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        total = 0
        for member in members:
            check_member(member, shown)
            # Each member costs at least its header: millions of empty files are a bomb too.
            total += tarfile.BLOCKSIZE + (member.size if member.isfile() else 0)
            if total > limit:
                raise _bomb(shown, limit)
        dest.mkdir(parents=True, exist_ok=True)
        if hasattr(tarfile, "data_filter"):  # 3.11.4+: a second, independent guard
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - older 3.11 patch releases
            tar.extractall(dest, members=members)
    return [m.name for m in members]


def inflated_tar(archive: Path, archive_sha256: str, cache_dir: Path, *,
                 max_ratio: int = DEFAULT_INFLATE_RATIO, label: str = "") -> Path:
    """The uncompressed tar of the (already verified) gzip ``archive``, decompressed once.

    Not gzip: ``archive`` itself.  A cached copy is used only when its bytes hash to the
    sha256 its record (keyed by ``archive_sha256``, the pin) holds; otherwise it is dropped
    and the archive decompressed again.  Raises :class:`IntegrityError` when the archive
    inflates past :func:`inflate_limit`; nothing is kept in the cache then.
    """
    with open(archive, "rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            return archive
    directory = cache_dir / "inflated"
    cached = _bound_copy(directory, archive_sha256)
    if cached is not None:
        return cached
    limit = inflate_limit(archive.stat().st_size, max_ratio)
    try:
        return _inflate_into(archive, archive_sha256, directory, limit, label or archive.name)
    except OSError as exc:
        ui.warn(f"could not cache the decompressed {archive.name} in {directory} ({exc}); "
                "extracting from the compressed archive")
        return archive


def unpack_pinned(archive: Path, archive_sha256: str, cache_dir: Path, root: Path, *,
                  max_ratio: int = DEFAULT_INFLATE_RATIO, label: str = "") -> None:
    """Extract the verified ``archive`` into ``root`` through its decompressed copy, then
    check the extracted tree against the manifest recorded when that copy was made (the
    first extraction records it).  A difference drops the copy (one warning) and extracts
    again from the download."""
    shown = label or archive.name
    limit = inflate_limit(archive.stat().st_size, max_ratio)
    plain = inflated_tar(archive, archive_sha256, cache_dir, max_ratio=max_ratio, label=shown)
    extract_archive(plain, root, label=shown, max_bytes=limit)
    problem = _check_manifest(plain, archive_sha256, root) if plain != archive else ""
    if not problem:
        return
    ui.warn(f"the decompressed copy of {shown} in the cache does not match its record "
            f"({problem}); dropping it and decompressing the verified download again")
    forget_inflated(archive_sha256, cache_dir)
    shutil.rmtree(root)
    plain = inflated_tar(archive, archive_sha256, cache_dir, max_ratio=max_ratio, label=shown)
    extract_archive(plain, root, label=shown, max_bytes=limit)
    if plain != archive:  # a fresh copy: this records its manifest
        _check_manifest(plain, archive_sha256, root)


def forget_inflated(archive_sha256: str, cache_dir: Path) -> None:
    """Drop the decompressed copies of a refused archive, and their record, from the cache."""
    for entry in (cache_dir / "inflated").glob(f"{archive_sha256}-*"):
        if not entry.name.endswith(".lock"):
            entry.unlink(missing_ok=True)


def _record_of(directory: Path, archive_sha256: str) -> Path:
    # named <pin>-…, so a build holding the pin holds its record too (see shipyard.caches)
    return directory / f"{archive_sha256}-record.json"


def _bound_copy(directory: Path, archive_sha256: str) -> Path | None:
    """The decompressed copy of the pin ``archive_sha256`` when its bytes match its record;
    every other copy (no record, another hash) is dropped."""
    record_path = _record_of(directory, archive_sha256)
    record = load_record(record_path, archive_sha256=archive_sha256)
    tar_sha256 = str(record.get("tar_sha256")) if record else ""
    bound = directory / f"{archive_sha256}-{tar_sha256}.tar"
    for stray in directory.glob(f"{archive_sha256}-*.tar"):
        if stray != bound:
            ui.warn(f"cached decompressed archive {stray.name} does not match its record "
                    "(no record names it); dropping it")
            drop(stray)
    if record is None:
        return None
    try:
        actual = sha256_file(bound) if stat.S_ISREG(os.lstat(bound).st_mode) else "not a file"
    except OSError:
        actual = "missing"
    if actual == tar_sha256:
        return bound
    if actual != "missing":
        ui.warn(f"cached decompressed archive {bound.name} does not match its record "
                f"(sha256 {actual}); decompressing the verified download again")
    drop(bound, record_path)
    return None


def _check_manifest(plain: Path, archive_sha256: str, root: Path) -> str:
    """Why the tree extracted from ``plain`` differs from its recorded manifest ('' when
    equal); the first extraction records the manifest."""
    record_path = _record_of(plain.parent, archive_sha256)
    record = load_record(record_path, archive_sha256=archive_sha256)
    if record is None:
        return "its record is gone"
    actual = tree_manifest(root)
    recorded = record.get("manifest")
    if not isinstance(recorded, list):
        with contextlib.suppress(OSError):
            write_record(record_path, {**record, "manifest": actual})
        return ""
    return manifest_difference(recorded, actual)


def _inflate_into(archive: Path, archive_sha256: str, directory: Path, limit: int,
                  label: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    # Held while written, so the sweep at the start of another build leaves it alone.
    with held_temp_path(directory, "inflate") as tmp:
        try:
            with open(tmp, "xb") as out:
                digest = _gunzip(archive, out, limit, label)
            final = directory / f"{archive_sha256}-{digest}.tar"
            os.replace(tmp, final)
            write_record(_record_of(directory, archive_sha256),
                         {"archive_sha256": archive_sha256, "tar_sha256": digest})
            return final
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def gunzip_sha256(archive: Path, limit: int = INFLATE_CEILING) -> str:
    """The sha256 of what ``archive`` decompresses to (at most ``limit`` bytes), kept nowhere."""
    return _gunzip(archive, None, limit)


def _gunzip(archive: Path, out: BinaryIO | None, limit: int = INFLATE_CEILING,
            label: str = "") -> str:
    """Decompress every gzip member of ``archive`` into ``out`` (None: only hash it),
    refusing to write more than ``limit`` bytes; the sha256 of what was written."""
    digest = hashlib.sha256()
    written = 0
    shown = label or archive.name

    def write(data: bytes) -> None:
        nonlocal written
        written += len(data)
        if written > limit:
            raise _bomb(shown, limit)
        digest.update(data)
        if out is not None:
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
        raise _corrupt(shown, str(exc)) from None
    if inflater is not None:
        raise _corrupt(shown, "it ends in the middle of a gzip member")
    return digest.hexdigest()


def _inflate(inflater: zlib._Decompress, chunk: bytes, write: Callable[[bytes], None]) -> bytes:
    """Feed ``chunk``, writing at most CHUNK bytes at a time; return input past the member's end."""
    while chunk and not inflater.eof:
        write(inflater.decompress(chunk, CHUNK))
        chunk = inflater.unconsumed_tail
    return inflater.unused_data if inflater.eof else b""


def _corrupt(archive: str, why: str) -> IntegrityError:
    return IntegrityError(f"{archive} is not a valid gzip archive: {why}",
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


def _bomb(archive: str, limit: int) -> IntegrityError:
    return IntegrityError(
        f"{archive} inflates to more than {limit} bytes, far beyond what its compressed size "
        "allows: refusing it as a decompression bomb; nothing was extracted or kept",
        hint="if it is a genuine archive, raise tool.shipyard.sidecar.max-inflate-ratio "
        f"(the limit never exceeds {INFLATE_CEILING >> 30} GiB); otherwise check the mirror "
        "it came from",
    )
