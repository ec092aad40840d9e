"""Staging left by a killed build is swept when the next build starts; a live one never is."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard import locks
from shipyard.fsutil import staging_dir
from tests.helpers import run_cli

FAST = "skip-smoke = true"

#: A build killed inside its staging directory: ``kill -9`` gives it no chance to clean up.
KILLED_BUILD = """
import sys
from pathlib import Path
from shipyard.fsutil import staging_dir
with staging_dir(Path(sys.argv[1]), sys.argv[2]) as work:
    (work / "python").mkdir()
    (work / "python" / "big.bin").write_bytes(b"x" * 4096)
    print(work, flush=True)
    sys.stdin.read()
"""


def killed_builds(*staging: tuple[Path, str]) -> list[Path]:
    """Run builds that die by SIGKILL inside ``staging_dir(parent, prefix)``; their directories.

    All are started before any is killed: a build sweeps what dead ones left where it writes."""
    children = [subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(parent), prefix],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for parent, prefix in staging]
    works = []
    for child in children:
        assert child.stdout is not None
        works.append(Path(child.stdout.readline().strip()))
        assert locks.is_held(works[-1])
    for child, work in zip(children, works, strict=True):
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert work.is_dir() and not locks.is_held(work)
    return works


def test_build_sweeps_what_a_killed_build_left_and_keeps_what_a_live_one_holds(
        sidecar_project: Callable[..., Path], fast_install: list, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = sidecar_project(FAST)
    dist, cache = project / "dist", tmp_path / "cache"
    stale = killed_builds((dist, "sidecar-tool"), (cache / "pbs-host", "host-pbs"),
                          (dist, "sign-tool.tar.gz"))
    old_style = dist / ".sidecar-tool.k3j2l1"  # no lock file at all: also nobody's
    old_style.mkdir()
    orphan_lock = cache / "inflated" / ".inflate-0123.tmp.lock"
    orphan_lock.parent.mkdir(parents=True)
    orphan_lock.write_text("999999\n")
    with staging_dir(dist, "sidecar-tool") as live, \
            staging_dir(cache / "pbs-host", "host-pbs") as live_host:
        code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
        assert code == 0, err
        assert live.is_dir() and live_host.is_dir()
    for path in [*stale, old_style]:
        assert not path.exists() and not locks.lock_path(path).exists()
        assert f"removed {path} (" in err and "left behind by a build that was killed" in err
    assert f"removed {stale[0]} (4 kB)" in err  # 4 KiB of staged files
    assert not orphan_lock.exists()
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        ["manifest.json", *(p.name for p in dist.glob("tool-sidecar-*"))])


def test_staging_dir_is_held_before_it_exists(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.name.startswith(".job."):
            seen.append(locks.is_held(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with staging_dir(tmp_path, "job") as work:
        assert locks.sweep_stale(tmp_path, ".job.*") == [] and work.is_dir()
    assert seen == [True]
    assert list(tmp_path.iterdir()) == []
