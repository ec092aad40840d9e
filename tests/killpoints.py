"""``kill -9`` a writing stage at chosen points, without timing: the child counts its own
file-system calls (renames, mkdirs, opens, unlinks, copies) and sends itself SIGKILL at the
chosen one.  A seeded RNG draws the points from the calls a whole run makes.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from shipyard.manifest import tree_sha256

ROOT = Path(__file__).resolve().parents[1]

#: argv: KILL_AT COUNT_FILE then either ``-m shipyard ARGS…`` or a script path and its ARGS.
#: KILL_AT is a call number (0: never) or ``replace:X`` (the rename onto a path ending in X);
#: the number of calls made is written to COUNT_FILE when the run ends normally.
CHILD = """
import atexit, os, runpy, shutil, signal, sys
from pathlib import Path

point, count_file = sys.argv[1], Path(sys.argv[2])
calls = 0

def counted(name, real):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if str(calls) == point or (name == "replace" and point.startswith("replace:")
                                   and str(args[1]).endswith(point.removeprefix("replace:"))):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call

for module, name in [(os, "replace"), (os, "rename"), (os, "mkdir"), (os, "open"),
                     (os, "unlink"), (os, "rmdir"), (shutil, "copyfileobj"),
                     (shutil, "copyfile")]:
    setattr(module, name, counted(name, getattr(module, name)))
atexit.register(lambda: count_file.write_text(str(calls)))
if sys.argv[3] == "-m":
    sys.argv = [sys.argv[4], *sys.argv[5:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    sys.argv = sys.argv[3:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


class Killable:
    """A command run in a child that can be killed at a given file-system call."""

    def __init__(self, args: Sequence[str], count_file: Path) -> None:
        self.args, self.count_file = list(args), count_file

    def run(self, kill_at: int | str = 0) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        return subprocess.run([sys.executable, "-c", CHILD, str(kill_at), str(self.count_file),
                               *self.args], capture_output=True, text=True, env=env, cwd=ROOT,
                              check=False)

    def calls(self) -> int:
        """File-system calls of the last run that was not killed."""
        return int(self.count_file.read_text())


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (hidden ones too) → its kind and content digest; an
    ``.app`` bundle is one entry, its tree digest."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if ".app/" in rel:
            continue
        if path.is_dir() and path.suffix == ".app":
            found[rel] = "tree " + tree_sha256(path)[0]
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def restore(saved: Path, folder: Path) -> None:
    shutil.rmtree(folder)
    shutil.copytree(saved, folder, symlinks=True)


def kill_and_rerun(job: Killable, out: Path, start: Path, *, seed: int, points: int,
                   also: Sequence[tuple[Path, Path]] = ()) -> None:
    """From the state saved in ``start``: a run that is not killed gives the clean outputs;
    then for each of ``points`` seeded kill points, a killed run followed by a normal one
    gives exactly those outputs again, and the rerun names each leftover it removed.

    ``also``: (folder, saved state) pairs the job writes too (a cache), restored before each
    run and checked for leftovers after each rerun."""
    def reset() -> None:
        for folder, saved in [(out, start), *also]:
            restore(saved, folder)

    reset()
    done = job.run()
    assert done.returncode == 0, done.stderr
    clean, calls = snapshot(out), job.calls()
    for point in sorted(random.Random(seed).sample(range(1, calls + 1), min(points, calls))):
        reset()
        killed = job.run(kill_at=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        left = [p for p in out.iterdir() if p.name.startswith(".") and p.name not in clean
                and not p.name.endswith(".lock")]
        rerun = job.run()
        assert rerun.returncode == 0, (point, rerun.stderr)
        assert snapshot(out) == clean, f"killed at call {point} of {calls}"
        for path in left:
            assert f"removed {path} (" in rerun.stderr, (point, rerun.stderr)
        for folder, _ in also:
            assert leftovers(folder) == [], f"killed at call {point} of {calls}"


def leftovers(folder: Path) -> list[Path]:
    """Temporary names and lock files anywhere under ``folder``."""
    return sorted(p for p in folder.rglob(".*") if p.name.endswith((".shipyard.tmp", ".lock")))
