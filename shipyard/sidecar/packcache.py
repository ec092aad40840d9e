"""Cache of packaged sidecars: an unchanged bundle is never compressed twice.

Compressing the bundle is the slowest step of a warm rebuild (mlx's 147 MB ``mlx.metallib``
alone takes seconds at gzip level 6).  The tarball is a pure function of the deterministic,
uncompressed tar stream and the compression settings, so:

* key: sha256 over the stream's sha256, the gzip level, the zlib version and the archive
  format version (:func:`package_key`);
* value: the compressed bytes, stored as ``<cache>/packaged/<key>-<sha256 of value>.tar.gz``.

An entry is used only when its bytes still hash to the digest in its name; otherwise it is
deleted, the bundle is compressed again and the entry rewritten.  Entries are written to a
temporary file and renamed into place, so an interrupted store leaves no entry, and only the
:data:`KEEP` most recently used entries are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.archives import COMPRESS_LEVEL, tar_stream_sha256, write_tarball
from shipyard.fsutil import CHUNK, held_temp_path, sha256_file, sweep_leftovers

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

    def package(self, tree: Path, arcname: str, output: Path, *, mtime: int) -> tuple[str, bool]:
        """Write the tarball of ``tree`` to ``output``: (its sha256, whether it came from cache)."""
        key = package_key(tar_stream_sha256(tree, arcname, mtime=mtime))
        digest = self.restore(key, output)
        if digest is not None:
            return digest, True
        write_tarball(tree, arcname, output, mtime=mtime)
        digest = sha256_file(output)
        self.store(key, output, digest)
        return digest, False

    # ---------------------------------------------------------------------------- lookup
    def entries(self, key: str) -> list[Path]:
        return sorted(self.directory.glob(f"{key}-*.tar.gz"))

    def restore(self, key: str, output: Path) -> str | None:
        """Copy the verified entry of ``key`` to ``output`` and return its sha256, or None."""
        for entry in self.entries(key):
            expected = entry.name[len(key) + 1:-len(".tar.gz")]
            actual = copy_hashing(entry, output)
            if actual == expected:
                with contextlib.suppress(OSError):
                    os.utime(entry)  # most recently used: pruned last
                return actual
            ui.warn(f"packaged-sidecar cache entry {entry.name} is corrupt (sha256 {actual}); "
                    "ignoring it and compressing again")
            output.unlink(missing_ok=True)
            entry.unlink(missing_ok=True)
        return None

    # ---------------------------------------------------------------------------- store
    def store(self, key: str, source: Path, digest: str) -> None:
        """Add ``source`` (sha256 ``digest``) as the entry of ``key``; a failure only warns."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with held_temp_path(self.directory, "store") as tmp:
                try:
                    with open(tmp, "xb") as out, open(source, "rb") as src:
                        while chunk := src.read(CHUNK):
                            out.write(chunk)
                    os.replace(tmp, self.directory / f"{key}-{digest}.tar.gz")
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
        except OSError as exc:
            ui.warn(f"could not store the packaged sidecar in {self.directory} ({exc}); not cached")
        self.prune()

    def prune(self) -> None:
        """Keep the :attr:`keep` most recently used entries; drop stale temporary files."""
        entries = sorted(self.directory.glob("*.tar.gz"), key=_mtime, reverse=True)
        for old in entries[self.keep:]:
            old.unlink(missing_ok=True)
        # Temporary files of killed builds; one a live build is writing is held, so kept.
        sweep_leftovers(self.directory)


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
