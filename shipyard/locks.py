"""Lock files that say which live process holds a directory.

A build holds every staging directory and cache entry it works in through a lock file beside it
(``<path>.lock``), an ``flock`` on that file plus the holder's pid written into it.  The kernel
drops the ``flock`` when the process dies, even on ``kill -9``, so "is anyone still using this?"
is answered by trying to take the lock, never by guessing from a pid that may have been reused.
The pid is there for people: error messages and ``cache info`` say who holds what.

Users: every temporary file and staging directory (:func:`shipyard.fsutil.held_temp_path`),
swept when no live process holds them, and cache pruning, which never removes an entry in use.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import os
import shutil
from collections.abc import Callable, Iterator
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


def sweep_stale(parent: Path, match: str | Callable[[str], bool],
                on_remove: Callable[[Path], None] | None = None) -> list[Path]:
    """Remove the entries of ``parent`` whose name matches that no live process holds.

    ``match`` is a glob pattern or a test of the name.  For what killed builds left behind:
    each entry is held by its writer while it exists, so one that nobody holds is garbage.
    An entry is removed only while this sweep holds its lock itself, so a writer taking the
    same name meanwhile waits and finds it gone.  Lock files without an entry (a writer
    killed between taking the lock and creating the entry) go too.  ``on_remove`` sees each
    entry just before the attempt; returns what was removed.
    """
    test = match if callable(match) else (lambda name: fnmatch.fnmatchcase(name, match))
    try:
        names = os.listdir(parent)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = sorted({name.removesuffix(LOCK_SUFFIX) for name in names
                    if test(name.removesuffix(LOCK_SUFFIX))})
    return [parent / name for name in found if _remove_unheld(parent / name, on_remove)]


def _remove_unheld(path: Path, on_remove: Callable[[Path], None] | None) -> bool:
    """Remove ``path`` and its lock file unless a live process holds it; True if it existed."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # held by a live process
        try:
            if os.stat(lock).st_ino != os.fstat(fd).st_ino:
                return False  # another sweep removed it meanwhile
        except FileNotFoundError:
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # the sweep holds it now: say who
        existed = path.exists() or path.is_symlink()
        if existed:
            if on_remove is not None:
                on_remove(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        with contextlib.suppress(OSError):  # while locked: a waiting writer opens a fresh one
            os.unlink(lock)
        # an entry that could not go (another user's, read-only) is left and not reported
        return existed and not (path.exists() or path.is_symlink())
    finally:
        os.close(fd)
