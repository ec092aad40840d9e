"""Lock files that say which live process holds a directory.

A build holds every staging directory and cache entry it works in through a lock file beside it
(``<path>.lock``), an ``flock`` on that file plus the holder's pid written into it.  The kernel
drops the ``flock`` when the process dies, even on ``kill -9``, so "is anyone still using this?"
is answered by trying to take the lock, never by guessing from a pid that may have been reused.
The pid is there for people: error messages and ``cache info`` say who holds what.

Users: staging directories (:func:`shipyard.fsutil.staging_dir`) swept at the start of a build
when no live process holds them, and cache pruning, which never removes an entry in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

LOCK_SUFFIX = ".lock"


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: a sibling named ``<name>.lock``."""
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def hold(path: Path) -> Iterator[Path]:
    """Hold ``path`` (a directory or file, existing or not) for the duration of the block.

    Writes this process's pid into ``<path>.lock`` under an exclusive ``flock``; the lock
    file is removed when the block ends, on success, failure and Ctrl-C.
    """
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = _locked_fd(lock)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)  # closing drops the flock


def _locked_fd(lock: Path) -> int:
    """Open and ``flock`` ``lock``, making sure the locked file is still the one on disk.

    A sweep may unlink a lock file it found unheld between our open and our flock; the lock
    would then sit on a file nobody else can see, so open again until both agree.
    """
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def holder(path: Path) -> int | None:
    """The pid of the live process holding ``path``, or ``None`` when nobody does."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return int(text) if text.isascii() and text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def is_held(path: Path) -> bool:
    """True while a live process holds ``path``."""
    return holder(path) is not None


def sweep_stale(parent: Path, pattern: str) -> list[Path]:
    """Remove the entries of ``parent`` matching ``pattern`` that no live process holds.

    For staging directories left behind by a killed build: each one is held by its build
    while it exists, so one that nobody holds is garbage.  Their stale lock files go too.
    Returns what was removed, so the caller can say so.
    """
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for entry in sorted({*parent.glob(pattern), *parent.glob(pattern + LOCK_SUFFIX)}):
        if entry.name.endswith(LOCK_SUFFIX):
            _drop_orphan_lock(entry)
            continue
        if is_held(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        with contextlib.suppress(FileNotFoundError):
            lock_path(entry).unlink()
        removed.append(entry)
    return removed


def _drop_orphan_lock(lock: Path) -> None:
    """A lock file whose entry was never created (killed between hold and mkdir)."""
    entry = lock.with_name(lock.name.removesuffix(LOCK_SUFFIX))
    if not entry.exists() and not entry.is_symlink() and not is_held(entry):
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
