"""Cache of packaged sidecars: an unchanged bundle is never compressed twice.

Compressing the bundle is the slowest step of a warm rebuild (mlx's 147 MB ``mlx.metallib``
alone takes seconds at gzip level 6).  The tarball is a pure function of the deterministic,
uncompressed tar stream and the compression settings, so:

* key: sha256 over the stream's sha256, the gzip level, the zlib version and the archive
  format version (:func:`package_key`);
* value: the compressed bytes, ``<cache>/packaged/<key>.tar.gz``, and beside them the record
  ``<key>.json`` (see :mod:`.cacherecord`) written when the entry is made: the sha256 of the
  compressed bytes and the sha256 of the tar stream they decompress to.

The record, not a file name, is what an entry is checked against: an entry is used only when
its bytes hash to the recorded sha256 *and* decompress to the stream the key was computed
from (the stream covers every member's path, type, mode, size, content and link target, so
it is the bundle's manifest).  A file without a record, or one that differs, is dropped with
one warning, and the bundle is compressed again.  ``--no-reuse`` never looks an entry up.
Entries are written to a temporary file and renamed into place, so an interrupted store
leaves no entry, and only the :data:`KEEP` most recently used entries are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.archives import COMPRESS_LEVEL, tar_stream_sha256, write_tarball
from shipyard.errors import IntegrityError
from shipyard.fsutil import CHUNK, held_temp_path, sha256_file, sweep_leftovers
from shipyard.sidecar.cacherecord import drop, load_record, write_record
from shipyard.sidecar.extract import gunzip_sha256

#: Bump when write_tarball's output for the same stream changes (gzip header, framing).
FORMAT_VERSION = "shipyard-sidecar-targz-1"
#: Entries kept after a store (most recently used first); each is one compressed sidecar.
KEEP = 4


def package_key(stream_sha256: str, level: int = COMPRESS_LEVEL) -> str:
    """The cache key of a tar stream compressed with this host's gzip settings."""
    settings = f"{FORMAT_VERSION}\ngzip-{level}\nzlib-{zlib.ZLIB_RUNTIME_VERSION}\n"
    return hashlib.sha256(f"{stream_sha256}\n{settings}".encode()).hexdigest()


@dataclass(frozen=True)
class PackageCache:
    """Compressed sidecars in ``directory``, by :func:`package_key`."""

    directory: Path
    keep: int = KEEP

    def package(self, tree: Path, arcname: str, output: Path, *, mtime: int,
                reuse: bool = True) -> tuple[str, bool, str]:
        """Write the tarball of ``tree`` to ``output``: (its sha256, whether it came from
        cache, its cache key).  Without ``reuse`` it is always compressed (and stored)."""
        stream = tar_stream_sha256(tree, arcname, mtime=mtime)
        key = package_key(stream)
        digest = self.restore(key, output, stream=stream) if reuse else None
        if digest is not None:
            return digest, True, key
        write_tarball(tree, arcname, output, mtime=mtime)
        digest = sha256_file(output)
        self.store(key, output, digest, stream)
        return digest, False, key

    # ---------------------------------------------------------------------------- lookup
    def entry(self, key: str) -> Path:
        return self.directory / f"{key}.tar.gz"

    def record(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def restore(self, key: str, output: Path, *, stream: str | None = None,
                sha256: str | None = None) -> str | None:
        """Copy the entry of ``key`` to ``output`` when it matches its record (and the
        ``stream`` / ``sha256`` the caller expects); its sha256, or None."""
        entry, record = self.entry(key), load_record(self.record(key), key=key)
        if record is None or not _is_file(entry):
            drop(entry)  # a file no record binds is never trusted
            return None
        recorded, recorded_stream = str(record.get("sha256")), str(record.get("stream_sha256"))
        if stream not in (None, recorded_stream) or sha256 not in (None, recorded) \
                or package_key(recorded_stream) != key:
            drop(entry, self.record(key))
            return None
        problem = _difference(entry, output, recorded, recorded_stream)
        if problem:
            ui.warn(f"packaged-sidecar cache entry {entry.name} does not match its record "
                    f"({problem}); dropping it and compressing again")
            drop(output, entry, self.record(key))
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # most recently used: pruned last
        return recorded

    # ---------------------------------------------------------------------------- store
    def store(self, key: str, source: Path, digest: str, stream: str) -> None:
        """Add ``source`` (sha256 ``digest``, tar stream ``stream``) as the entry of ``key``,
        then its record; a failure only warns."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with held_temp_path(self.directory, "store") as tmp:
                try:
                    with open(tmp, "xb") as out, open(source, "rb") as src:
                        while chunk := src.read(CHUNK):
                            out.write(chunk)
                    os.replace(tmp, self.entry(key))
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
            write_record(self.record(key), {"key": key, "sha256": digest, "stream_sha256": stream})
        except OSError as exc:
            ui.warn(f"could not store the packaged sidecar in {self.directory} ({exc}); not cached")
        self.prune()

    def prune(self) -> None:
        """Keep the :attr:`keep` most recently used entries; drop stale temporary files and
        records whose entry is gone."""
        entries = sorted(self.directory.glob("*.tar.gz"), key=_mtime, reverse=True)
        for old in entries[self.keep:]:
            drop(old, self.directory / f"{old.name.removesuffix('.tar.gz')}.json")
        for record in self.directory.glob("*.json"):
            if not self.entry(record.stem).exists():
                drop(record)
        # Temporary files of killed builds; one a live build is writing is held, so kept.
        sweep_leftovers(self.directory)


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _difference(entry: Path, output: Path, sha256: str, stream: str) -> str:
    """Copy ``entry`` to ``output``; why its bytes are not the recorded ones ('' if they are)."""
    actual = copy_hashing(entry, output)
    if actual != sha256:
        return f"sha256 {actual}, recorded {sha256}"
    try:
        inflated = gunzip_sha256(output)
    except IntegrityError:
        inflated = "not gzip"
    return "" if inflated == stream else "it does not decompress to the recorded bundle"


def copy_hashing(source: Path, output: Path) -> str:
    """Copy ``source`` to ``output`` in one read, returning the sha256 of the bytes copied."""
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(output, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
