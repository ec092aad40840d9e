"""Deterministic tar.gz: two archives of the same tree are byte-identical.

Entries are sorted, owned by uid/gid 0 with empty user/group names, carry mtimes from
SOURCE_DATE_EPOCH, normalized modes (0755 for directories and executables, 0644 otherwise),
no extended attributes or PAX headers, and the gzip header has no file name and mtime 0.
"""

from __future__ import annotations

import gzip
import os
import stat
import tarfile
from pathlib import Path

#: 1980-01-01T00:00:00Z: used when SOURCE_DATE_EPOCH is not set (also the zip epoch).
DEFAULT_EPOCH = 315532800
COMPRESS_LEVEL = 6


def source_date_epoch(env: dict[str, str] | None = None) -> int:
    value = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return DEFAULT_EPOCH
    if not value.isdigit():
        from shipyard.errors import ConfigError

        raise ConfigError(f"SOURCE_DATE_EPOCH must be an integer (seconds), got {value!r}")
    return int(value)


def write_tarball(tree: Path, arcname: str, output: Path, *, mtime: int) -> None:
    """Archive directory ``tree`` as ``arcname/…`` into ``output`` (tar.gz), deterministically."""
    with open(output, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                          compresslevel=COMPRESS_LEVEL) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
        _add(tar, tree, arcname, mtime)
        for path in _walk_sorted(tree):
            _add(tar, path, f"{arcname}/{path.relative_to(tree).as_posix()}", mtime)


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
