"""Deterministic tar.gz: two archives of the same tree are byte-identical.

Entries are sorted, owned by uid/gid 0 with empty user/group names, carry mtimes from
SOURCE_DATE_EPOCH, normalized modes (0755 for directories and executables, 0644 otherwise),
no extended attributes or PAX headers, and the gzip header has no file name and mtime 0.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import tarfile
from pathlib import Path
from typing import Protocol

#: 1980-01-01T00:00:00Z: used when SOURCE_DATE_EPOCH is not set (also the zip epoch).
DEFAULT_EPOCH = 315532800
COMPRESS_LEVEL = 6
#: Read files in 1 MiB chunks (tarfile's default is 16 KiB); the output bytes do not change.
COPY_BUFFER = 1 << 20


def source_date_epoch(env: dict[str, str] | None = None) -> int:
    value = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return DEFAULT_EPOCH
    if not (value.isascii() and value.isdigit()):  # isdigit() alone admits "²"
        from shipyard.errors import ConfigError

        raise ConfigError(f"SOURCE_DATE_EPOCH must be an integer (seconds), got {value!r}",
                          hint="for example: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
    return int(value)


def write_tarball(tree: Path, arcname: str, output: Path, *, mtime: int) -> None:
    """Archive directory ``tree`` as ``arcname/…`` into ``output`` (tar.gz), deterministically."""
    with open(output, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                          compresslevel=COMPRESS_LEVEL) as gz:
        write_tar_stream(tree, arcname, gz, mtime=mtime)


def tar_stream_sha256(tree: Path, arcname: str, *, mtime: int) -> str:
    """sha256 of the uncompressed tar stream :func:`write_tarball` would compress.

    Equal digests mean equal archives (for the same compression settings): the key of the
    packaged-sidecar cache.  Costs one read of the tree, no compression.
    """
    sink = _HashingSink()
    write_tar_stream(tree, arcname, sink, mtime=mtime)
    return sink.digest.hexdigest()


def write_tar_stream(tree: Path, arcname: str, fileobj: Writable, *,
                     mtime: int) -> None:
    """The deterministic, uncompressed tar stream of ``tree`` written to ``fileobj``."""
    # typeshed wants a readable file object; writing mode only ever calls write() and tell()
    with tarfile.TarFile(fileobj=fileobj, mode="w", format=tarfile.GNU_FORMAT,  # type: ignore[arg-type]
                      copybufsize=COPY_BUFFER) as tar:
        _add(tar, tree, arcname, mtime)
        for path in _walk_sorted(tree):
            _add(tar, path, f"{arcname}/{path.relative_to(tree).as_posix()}", mtime)


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def tell(self) -> int: ...


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


def _walk_sorted(tree: Path) -> list[Path]:
    paths: list[Path] = []
    for entry in sorted(os.scandir(tree), key=lambda e: e.name):
        path = Path(entry.path)
        paths.append(path)
        if entry.is_dir(follow_symlinks=False):
            paths.extend(_walk_sorted(path))
    return paths


def _add(tar: tarfile.TarFile, path: Path, name: str, mtime: int) -> None:
    st = path.lstat()
    info = tarfile.TarInfo(name)
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISLNK(st.st_mode):
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, os.readlink(path), 0o777
        tar.addfile(info)
    elif stat.S_ISDIR(st.st_mode):
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
    elif stat.S_ISREG(st.st_mode):
        info.size = st.st_size
        info.mode = 0o755 if st.st_mode & 0o111 else 0o644
        with open(path, "rb") as handle:
            tar.addfile(info, handle)
    # sockets, FIFOs and devices never belong in a bundle: skipped
