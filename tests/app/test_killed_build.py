"""``kill -9`` of ``app build`` at seeded points: the next build leaves exactly a clean build.

The child process counts its file-system calls (renames, mkdirs, opens, unlinks, copies) and
sends itself SIGKILL at the chosen call, so the kill lands at a known point without any timing.
The points are drawn by a seeded RNG from the calls a clean build makes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.app.stage import tree_sha256

ROOT = Path(__file__).resolve().parents[2]

#: Run the CLI, killing itself with SIGKILL at file-system call number argv[1] (0: never), or
#: at the rename onto a path ending in X when argv[1] is ``replace:X``; the number of calls made
#: is written to argv[2] when the CLI returns.
CRASHER = """
import os, shutil, signal, sys
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

from shipyard.cli import main

code = main(sys.argv[3:])
count_file.write_text(str(calls))
sys.exit(code)
"""

#: (start state, seed): each draws POINTS kill points from the calls of a build from that state.
SEEDS = [("empty", 7), ("built", 11)]
POINTS = 4


def run_build(project: Path, tmp_path: Path,
              kill_at: int | str = 0) -> subprocess.CompletedProcess[str]:
    count = tmp_path / "calls.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", CRASHER, str(kill_at), str(count), "-C",
                           str(project), "app", "build", "--reuse-sidecar"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def snapshot(dist: Path) -> dict[str, str]:
    """Every path under ``dist`` (hidden ones too) → what it is: its bytes' or tree's digest."""
    found: dict[str, str] = {}
    for path in sorted(dist.rglob("*")):
        rel = path.relative_to(dist).as_posix()
        if ".app/" in rel:
            continue  # the bundle is compared as one tree below
        if path.is_dir() and path.suffix == ".app":
            found[rel] = "tree " + tree_sha256(path)[0]
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes().hex() if path.stat().st_size < 64 else \
                __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    return found


def restore(saved: Path, dist: Path) -> None:
    shutil.rmtree(dist)
    shutil.copytree(saved, dist, symlinks=True)


@pytest.mark.integration
@pytest.mark.parametrize(("start", "seed"), SEEDS)
def test_app_build_killed_anywhere_then_rerun_leaves_only_a_clean_build(
        app_project: Callable[..., Path], tmp_path: Path, start: str, seed: int) -> None:
    project = app_project()
    dist = project / "dist"
    empty = tmp_path / "empty-dist"
    shutil.copytree(dist, empty, symlinks=True)
    done = run_build(project, tmp_path)
    assert done.returncode == 0, done.stderr
    clean = snapshot(dist)
    assert {"Demo.app", "Demo-1.2.3.zip", "Demo-1.2.3.pkg"} <= set(clean)
    built = tmp_path / "built-dist"
    shutil.copytree(dist, built, symlinks=True)
    saved = empty if start == "empty" else built
    restore(saved, dist)
    assert run_build(project, tmp_path).returncode == 0
    assert snapshot(dist) == clean  # the same build from this start state, not killed
    calls = int((tmp_path / "calls.txt").read_text())
    for point in sorted(random.Random(seed).sample(range(1, calls + 1), POINTS)):
        restore(saved, dist)
        killed = run_build(project, tmp_path, kill_at=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        left = {p for p in dist.iterdir() if p.name.startswith(".")}
        rerun = run_build(project, tmp_path)
        assert rerun.returncode == 0, (point, rerun.stderr)
        assert snapshot(dist) == clean, f"kill at call {point} of {calls}"
        for path in left:
            if not path.name.endswith(".lock"):
                assert f"removed {path} (" in rerun.stderr, (point, rerun.stderr)


@pytest.mark.integration
def test_debris_of_app_build_killed_in_the_bundle_zip_and_pkg_writers_is_removed(
        app_project: Callable[..., Path], tmp_path: Path) -> None:
    """The reported case: a ``kill -9`` inside each writer, just before it renames its
    output into place, left the app's and the pkg's staging folders with their lock files
    and the zip's temporary file, and later successful builds kept them all."""
    project = app_project()
    dist = project / "dist"
    assert run_build(project, tmp_path).returncode == 0
    clean = snapshot(dist)
    left: set[Path] = set()
    said = ""  # each later build, killed or not, removes and names what earlier ones left
    for output in ("Demo.app", "Demo-1.2.3.zip", "Demo-1.2.3.pkg"):
        killed = run_build(project, tmp_path, kill_at=f"replace:{output}")
        assert killed.returncode == -signal.SIGKILL, (output, killed.stderr)
        said += killed.stderr
        left |= {p for p in dist.iterdir() if p.name.startswith(".")}
    assert {p.name.split(".")[1] for p in left} >= {"app-Demo", "Demo-1", "pkg-Demo"}
    rerun = run_build(project, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(dist) == clean
    for path in left:
        if not path.name.endswith(".lock"):
            assert f"removed {path} (" in said + rerun.stderr, said + rerun.stderr
