"""``shipyard cache info|prune``: age and size limits, least recently used first, and never an
entry a running build holds (held here by a real second process through shipyard.locks)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shipyard import locks
from shipyard.caches import hold_pbs_entries, kernels_cache, pbs_caches, prune
from tests.helpers import run_cli, write_project

NOW = time.time()


def entry(path: Path, size: int, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    stamp = NOW - age_days * 86400
    os.utime(path, (stamp, stamp))
    return path


def test_old_entries_go_then_the_least_recently_used_until_it_fits(tmp_path: Path) -> None:
    downloads, _ = pbs_caches(tmp_path)
    old = entry(tmp_path / "sha256" / ("a" * 64), 10, 90)
    lru = entry(tmp_path / "sha256" / ("b" * 64), 600, 5)
    fresh = entry(tmp_path / "sha256" / ("c" * 64), 600, 1)
    result = prune(downloads, max_bytes=1000, max_age_days=60, now=NOW)
    assert [e.path for e in result.removed] == [old, lru]
    assert fresh.exists() and not old.exists() and not lru.exists()


def test_dry_run_removes_nothing(tmp_path: Path) -> None:
    downloads, _ = pbs_caches(tmp_path)
    old = entry(tmp_path / "sha256" / ("a" * 64), 10, 90)
    assert prune(downloads, max_bytes=0, max_age_days=1, now=NOW, dry_run=True).removed
    assert old.exists()


@pytest.mark.integration
def test_an_entry_held_by_a_running_build_is_never_removed(tmp_path: Path) -> None:
    sha = "d" * 64
    download = entry(tmp_path / "sha256" / sha, 10, 90)
    inflated = entry(tmp_path / "inflated" / f"{sha}-{'e' * 64}.tar", 10, 90)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib; from shipyard.caches import hold_pbs_entries\n"
         f"with hold_pbs_entries(pathlib.Path({str(tmp_path)!r}), {sha!r}):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        for cache in pbs_caches(tmp_path):
            result = prune(cache, max_bytes=1, max_age_days=1, now=NOW)
            assert result.removed == [] and len(result.kept_held) == 1
        assert download.exists() and inflated.exists()
    finally:
        holder.communicate("")
    assert len(prune(pbs_caches(tmp_path)[1], max_bytes=1, max_age_days=1, now=NOW).removed) == 1


def test_holding_refreshes_the_last_use(tmp_path: Path) -> None:
    sha = "f" * 64
    download = entry(tmp_path / "sha256" / sha, 10, 90)
    with hold_pbs_entries(tmp_path, sha):
        assert locks.is_held(download)
    assert NOW - download.stat().st_mtime < 3600


def test_kernels_cache_is_held_as_a_whole(tmp_path: Path) -> None:
    cache = kernels_cache(tmp_path / "k")
    air = entry(tmp_path / "k" / "air" / "x.air", 5, 90)
    with locks.hold(tmp_path / "k"):
        assert prune(cache, max_bytes=0, max_age_days=1, now=NOW).removed == []
    assert air.exists()
    assert len(prune(cache, max_bytes=0, max_age_days=1, now=NOW).removed) == 1


def test_cli_info_and_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    entry(tmp_path / "cache" / "sha256" / ("a" * 64), 2048, 90)
    project = write_project(tmp_path / "p", "[tool.shipyard.cache]\nmax-age-days = 30")
    code, out, _ = run_cli(capsys, "-C", str(project), "cache", "info")
    assert code == 0 and "pbs-downloads" in out and "2.0 KiB" in out and "1 entries" in out
    code, out, _ = run_cli(capsys, "-C", str(project), "-n", "cache", "prune")
    assert code == 0 and "pbs-downloads: would remove 1 entries (2.0 KiB)" in out
    code, out, _ = run_cli(capsys, "-C", str(project), "cache", "prune")
    assert "pbs-downloads: removed 1 entries" in out
    assert not list((tmp_path / "cache" / "sha256").iterdir())
    code, _, err = run_cli(capsys, "-C", str(project), "cache", "prune", "--max-age-days", "-1")
    assert code == 4 and "--max-age-days must be 0 or more" in err
