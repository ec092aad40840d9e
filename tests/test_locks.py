"""Lock files: held while the holder lives, free once it dies (also by kill -9)."""

from __future__ import annotations

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
