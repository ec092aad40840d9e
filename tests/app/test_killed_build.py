"""``kill -9`` of ``app build`` (bundle, zip, pkg) at seeded points: the next build leaves
exactly what a clean build leaves, and names each leftover it removes."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.killpoints import Killable, kill_and_rerun, snapshot

#: (start state, seed): each draws kill points from the calls of a build from that state.
SEEDS = [("empty", 7), ("built", 11)]


def app_build(project: Path, tmp_path: Path) -> Killable:
    return Killable(["-m", "shipyard", "-C", str(project), "app", "build", "--reuse-sidecar"],
                    tmp_path / "calls.txt")


@pytest.mark.integration
@pytest.mark.parametrize(("start", "seed"), SEEDS)
def test_app_build_killed_anywhere_then_rerun_leaves_only_a_clean_build(
        app_project: Callable[..., Path], tmp_path: Path, start: str, seed: int) -> None:
    project = app_project()
    dist, saved = project / "dist", tmp_path / "saved"
    job = app_build(project, tmp_path)
    if start == "built":
        assert job.run().returncode == 0
        assert {"Demo.app", "Demo-1.2.3.zip", "Demo-1.2.3.pkg"} <= set(snapshot(dist))
    shutil.copytree(dist, saved, symlinks=True)
    kill_and_rerun(job, dist, saved, seed=seed, points=4)


@pytest.mark.integration
def test_debris_of_app_build_killed_in_the_bundle_zip_and_pkg_writers_is_removed(
        app_project: Callable[..., Path], tmp_path: Path) -> None:
    """The reported case: a ``kill -9`` inside each writer, just before it renames its
    output into place, left the app's and the pkg's staging folders with their lock files
    and the zip's temporary file, and later successful builds kept them all."""
    project = app_project()
    dist = project / "dist"
    job = app_build(project, tmp_path)
    assert job.run().returncode == 0
    clean = snapshot(dist)
    left: set[Path] = set()
    said = ""  # each later build, killed or not, removes and names what earlier ones left
    for output in ("Demo.app", "Demo-1.2.3.zip", "Demo-1.2.3.pkg"):
        killed = job.run(kill_at=f"replace:{output}")
        assert killed.returncode == -signal.SIGKILL, (output, killed.stderr)
        said += killed.stderr
        left |= {p for p in dist.iterdir() if p.name.startswith(".")}
    assert {p.name.split(".")[1] for p in left} >= {"app-Demo", "Demo-1", "pkg-Demo"}
    rerun = job.run()
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(dist) == clean
    for path in left:
        if not path.name.endswith(".lock"):
            assert f"removed {path} (" in said + rerun.stderr, said + rerun.stderr
