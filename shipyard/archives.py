"""Deterministic zip and tar.gz archives: same input tree → same bytes (same checksum).

Shared by packaging, the SwiftPM publisher and notarization (the zip an app or tarball is
submitted in when ``ditto`` is not available).

Entries are sorted, timestamps fixed at 1980-01-01 (the zip epoch) or 0 (tar), owners and
permissions normalised (0755 for directories and executables, 0644 otherwise), symlinks
kept as symlinks — XCFrameworks and app bundles rely on them.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from shipyard.fsutil import atomic_write_bytes

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _walk(root: Path) -> Iterator[Path]:
    """``root`` and everything under it, sorted, without following symlinked directories."""
    yield root
    if root.is_dir() and not root.is_symlink():
        for child in sorted(root.iterdir(), key=lambda p: p.name):
            yield from _walk(child)


def _mode(path: Path) -> int:
    if path.is_dir() or os.access(path, os.X_OK):
        return 0o755
    return 0o644


def zip_bytes(source: Path, *, keep_parent: bool = True) -> bytes:
    base = source.parent if keep_parent else source
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _walk(source):
            name = path.relative_to(base).as_posix()
            if name == ".":
                continue
            info = zipfile.ZipInfo(name + ("/" if path.is_dir() and not path.is_symlink() else ""),
                                   ZIP_EPOCH)
            info.create_system = 3  # unix, so the permission bits below are honoured
            if path.is_symlink():
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, os.readlink(path))
            elif path.is_dir():
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                archive.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | _mode(path)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def tar_gz_bytes(source: Path) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in _walk(source):
            info = archive.gettarinfo(str(path), path.relative_to(source.parent).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            if info.isreg() or info.isdir():
                info.mode = _mode(path)
            if info.isreg():
                with open(path, "rb") as handle:
                    archive.addfile(info, handle)
            else:
                archive.addfile(info)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as compressed:
        compressed.write(raw.getvalue())
    return out.getvalue()


def write_zip(source: Path, out: Path, *, keep_parent: bool = True) -> Path:
    atomic_write_bytes(out, zip_bytes(source, keep_parent=keep_parent))
    return out


def write_tar_gz(source: Path, out: Path) -> Path:
    atomic_write_bytes(out, tar_gz_bytes(source))
    return out
