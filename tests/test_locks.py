"""Lock files: held while the holder lives, free once it dies (also by kill -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard import locks

HOLDER = """
import sys, time
from pathlib import Path
from shipyard import locks
with locks.hold(Path(sys.argv[1])):
    Path(sys.argv[1]).mkdir()
    print("held", flush=True)
    sys.stdin.read()
"""


def test_held_in_block_and_released_after(tmp_path: Path) -> None:
    target = tmp_path / ".stage.abc"
    with locks.hold(target):
        assert locks.holder(target) is not None
        assert locks.is_held(target)
    assert not locks.is_held(target)
    assert not locks.lock_path(target).exists()


@pytest.mark.integration
def test_a_killed_holder_leaves_a_directory_the_sweep_removes(tmp_path: Path) -> None:
    target = tmp_path / ".stage.abc"
    keep = tmp_path / "keep"
    keep.mkdir()
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(target)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert locks.holder(target) == child.pid
        assert locks.sweep_stale(tmp_path, ".stage.*") == []  # alive: kept
        assert target.is_dir()
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert locks.lock_path(target).exists()  # kill -9 ran no cleanup
    assert not locks.is_held(target)
    assert locks.sweep_stale(tmp_path, ".stage.*") == [target]
    assert not target.exists() and not locks.lock_path(target).exists()
    assert keep.is_dir()


def test_a_lock_file_unlinked_by_a_sweep_before_the_flock_is_taken_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep may find the fresh lock file unheld and unlink it between open() and flock():
    the holder must end up locking the file that is on disk, visible to the next sweep."""
    import fcntl

    target = tmp_path / ".stage.race"
    real_flock = fcntl.flock
    raced: list[int] = []

    def flock(fd: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX and not raced:
            raced.append(fd)
            locks.lock_path(target).unlink()  # the sweep's _drop_orphan_lock, just in time
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    with locks.hold(target):
        target.mkdir()
        monkeypatch.setattr(fcntl, "flock", real_flock)
        assert raced and locks.is_held(target)
        assert locks.sweep_stale(tmp_path, ".stage.*") == [] and target.is_dir()


def test_orphan_lock_files_are_removed_unless_held(tmp_path: Path) -> None:
    orphan = tmp_path / ".stage.gone.lock"  # killed between taking the lock and mkdir
    orphan.write_text("999999\n")
    pending = tmp_path / ".stage.pending"  # a live build between hold and mkdir
    with locks.hold(pending):
        assert locks.sweep_stale(tmp_path, ".stage.*") == []
        assert not orphan.exists() and locks.lock_path(pending).exists()


def test_the_sweep_removes_an_entry_only_while_it_holds_the_lock_itself(tmp_path: Path) -> None:
    """A writer taking the name meanwhile waits on the lock and then finds the entry gone."""
    dead = tmp_path / ".stage.dead"
    (dead / "inner").mkdir(parents=True)  # no lock file at all: an old build's, or its lock lost
    seen: list[int | None] = []
    assert locks.sweep_stale(tmp_path, ".stage.*", lambda p: seen.append(locks.holder(p))) == [dead]
    assert seen == [os.getpid()] and list(tmp_path.iterdir()) == []


def test_the_sweep_takes_a_name_test_and_leaves_other_names(tmp_path: Path) -> None:
    for name in (".a.tmp", ".b.keep", "c.tmp"):
        (tmp_path / name).write_text("x")
    assert locks.sweep_stale(tmp_path, lambda name: name.startswith(".") and
                             name.endswith(".tmp")) == [tmp_path / ".a.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".b.keep", "c.tmp"]


def test_an_entry_the_sweep_cannot_remove_is_not_reported_and_gets_no_lock_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user's leftover in a shared temporary folder, say: left alone, said nothing."""
    theirs = tmp_path / ".stage.theirs"
    theirs.write_text("x")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        if self == theirs:
            raise PermissionError(13, "Operation not permitted", str(self))
        os.unlink(self)

    monkeypatch.setattr(Path, "unlink", refuse)
    assert locks.sweep_stale(tmp_path, ".stage.*") == []
    assert theirs.exists() and not locks.lock_path(theirs).exists()
