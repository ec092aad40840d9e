"""``shipyard cache info|prune``: size and age limits for the build caches.

Three caches grow without bound otherwise: the kernels cache (compiled AIR and metallibs), the
PBS downloads (``sha256/``) and their decompressed copies (``inflated/``).  Pruning removes
entries unused for ``cache.max-age-days``, then the least recently used until each cache fits
``cache.max-size-mb``.  It never removes what a running build holds: builds hold the PBS entries
they fetch and extract, and the whole kernels cache while compiling, through
:mod:`shipyard.locks` (an flock the kernel drops when the build dies, so a crash never pins an
entry forever).  Using an entry refreshes its modification time, which is what "least
recently used" reads.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shipyard import locks
from shipyard.fsutil import remove_path

DAY = 86400.0


@dataclass(frozen=True)
class Entry:
    path: Path
    size: int
    used: float
    holder: int | None


@dataclass(frozen=True)
class Cache:
    """One cache: a name, its directory and the sub-folders holding its entries."""

    name: str
    directory: Path
    folders: tuple[str, ...]
    #: A cache held as a whole (the kernels cache while a build compiles).
    whole: bool = False

    def entries(self) -> list[Entry]:
        whole = locks.holder(self.directory) if self.whole else None
        found = []
        for folder in self.folders:
            base = self.directory / folder
            for path in sorted(base.iterdir()) if base.is_dir() else []:
                if path.name.endswith(locks.LOCK_SUFFIX) or path.name.startswith("."):
                    continue
                stat = path.stat()
                size = _tree_size(path) if path.is_dir() else stat.st_size
                found.append(Entry(path, size, stat.st_mtime, whole or _holder(path)))
        return found


def _holder(path: Path) -> int | None:
    """Who holds ``path``, or its key: ``inflated/<sha>-<tarsha>.tar`` and its record
    ``inflated/<sha>-record.json`` are held as ``<sha>`` (a build holds them before the
    decompressed copy exists, whose name it cannot know yet)."""
    return locks.holder(path) or locks.holder(path.with_name(path.name.split("-", 1)[0]))


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pbs_caches(cache_dir: Path) -> list[Cache]:
    return [Cache("pbs-downloads", cache_dir, ("sha256",)),
            Cache("pbs-decompressed", cache_dir, ("inflated",))]


def kernels_cache(directory: Path) -> Cache:
    return Cache("kernels", directory, ("air", "lib"), whole=True)


@contextlib.contextmanager
def hold_pbs_entries(cache_dir: Path, sha256: str) -> Iterator[None]:
    """Hold the download and decompressed entries of one PBS archive for a build."""
    with locks.hold(cache_dir / "sha256" / sha256), locks.hold(cache_dir / "inflated" / sha256):
        for path in [cache_dir / "sha256" / sha256,
                     *(cache_dir / "inflated").glob(f"{sha256}-*[!k]")]:  # not .lock
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: last in line for pruning
        yield


@dataclass(frozen=True)
class PruneResult:
    removed: list[Entry]
    kept_held: list[Entry]

    @property
    def freed(self) -> int:
        return sum(e.size for e in self.removed)


def prune(cache: Cache, *, max_bytes: int, max_age_days: int, now: float | None = None,
          dry_run: bool = False) -> PruneResult:
    """Remove what is too old, then the least recently used until the cache fits."""
    now = time.time() if now is None else now
    entries = sorted(cache.entries(), key=lambda e: e.used)
    total = sum(e.size for e in entries)
    removed, held = [], []
    for entry in entries:
        too_old = max_age_days > 0 and now - entry.used > max_age_days * DAY
        too_big = max_bytes > 0 and total > max_bytes
        if not (too_old or too_big):
            continue
        if entry.holder is not None or _holder(entry.path) is not None:
            held.append(entry)
            continue
        if not dry_run:
            remove_path(entry.path)
        total -= entry.size
        removed.append(entry)
    return PruneResult(removed, held)
