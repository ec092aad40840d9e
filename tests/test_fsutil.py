"""Shared file helpers: atomic writes, staging directories, output-dir validation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard.errors import ConfigError
from shipyard.fsutil import atomic_write_text, safe_out_dir, staging_dir, sweep_build_staging

#: A writer stopped between writing its temporary file and renaming it into place.
STOPPED_WRITER = """
import os, sys
from pathlib import Path
from shipyard.fsutil import atomic_write_bytes

def stop(source, target):
    print("written", flush=True)
    sys.stdin.read()

os.replace = stop
atomic_write_bytes(Path(sys.argv[1]), b"half")
"""


def test_atomic_write_leaves_no_temp_file_and_uses_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "sub" / "manifest.json"
        atomic_write_text(target, "{}\n")
    finally:
        os.umask(old)
    assert target.read_text() == "{}\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_staging_dir_is_removed_even_on_error(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), staging_dir(tmp_path, "job") as stage:
        (stage / "partial").write_text("x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["", "   ", "/", "/../"])
def test_out_dir_refuses_empty_and_root(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        safe_out_dir(value, root=tmp_path)
    assert info.value.exit_code == 4 and "OUT_DIR" in str(info.value)


def test_relative_out_dir_is_made_absolute_against_the_project(tmp_path: Path) -> None:
    assert safe_out_dir("build/out", root=tmp_path) == (tmp_path / "build" / "out").resolve()


@pytest.mark.integration
def test_an_atomic_write_killed_before_its_rename_is_swept_only_once_dead(tmp_path: Path) -> None:
    out_dir = tmp_path / "dist"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("mine")
    child = subprocess.Popen([sys.executable, "-c", STOPPED_WRITER, str(out_dir / "manifest.json")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parents[1])
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "written"
        leftover = [p for p in out_dir.iterdir() if p.name.endswith(".shipyard.tmp")]
        assert len(leftover) == 1 and leftover[0].name.startswith(".manifest.json.")
        assert sweep_build_staging(out_dir) == []  # its writer is alive: kept
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert sweep_build_staging(out_dir) == leftover
    assert sorted(p.name for p in out_dir.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("stem", ["n" * 240, "\N{ROCKET}" * 60])  # 245 and 245 bytes
def test_a_long_file_name_is_still_written_atomically(tmp_path: Path, stem: str) -> None:
    target = tmp_path / (stem + ".json")  # of the 255 bytes a name may have
    atomic_write_text(target, "{}\n")
    assert target.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir()] == [target.name]
