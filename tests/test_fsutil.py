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


def test_every_temporary_name_has_the_one_form_and_is_held_while_it_exists(tmp_path: Path) -> None:
    from shipyard import locks
    from shipyard.fsutil import held_temp_path, is_temp_name, replacing

    with held_temp_path(tmp_path, "Demo-1.0.zip") as tmp:
        assert is_temp_name(tmp.name) and tmp.name.startswith(".Demo-1.0.zip.")
        assert locks.is_held(tmp) and not tmp.exists()
    with pytest.raises(OSError), replacing(tmp_path / "out.bin") as tmp:
        tmp.write_bytes(b"half")
        raise OSError("disk full")
    assert list(tmp_path.iterdir()) == []  # neither the temporary file nor its lock
    with replacing(tmp_path / "out.bin", mode=0o644) as tmp:
        tmp.write_bytes(b"whole")
    assert (tmp_path / "out.bin").read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_the_sweep_removes_only_unheld_temporary_names_and_old_names_of_dead_writers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shipyard import locks
    from shipyard.fsutil import sweep_build_staging, temp_name

    dead = tmp_path / temp_name("app-Demo")
    (dead / "Demo.app").mkdir(parents=True)
    (dead / "Demo.app" / "big").write_bytes(b"x" * 2_000_000)
    old_staging = tmp_path / ".pkg-Demo.0a1b2c3d4e5f"  # earlier versions' names
    old_staging.mkdir()
    old_zip = tmp_path / ".Demo-1.0.zip.999999999.tmp"  # its writer's pid is gone
    old_zip.write_bytes(b"zip")
    live_zip = tmp_path / f".Demo-1.0.zip.{os.getpid()}.tmp"  # a live pid: kept
    live_zip.write_bytes(b"zip")
    mine = [tmp_path / n for n in (".gitignore", "Demo.app", "notes.tmp", ".cache")]
    for path in mine:
        path.mkdir()
    live = tmp_path / temp_name("live")
    with locks.hold(live):
        live.mkdir()
        assert sorted(sweep_build_staging(tmp_path)) == sorted([dead, old_staging, old_zip])
        assert live.is_dir()
    live.rmdir()
    err = capsys.readouterr().err
    assert f"removed {dead} (2 MB): left behind by a build that was killed" in err
    assert sorted(tmp_path.iterdir()) == sorted([live_zip, *mine])


def test_no_module_names_its_own_temporary_files() -> None:
    """Every temporary file and staging folder is named and held by shipyard.fsutil, so the
    one sweep finds what any killed writer left; a module making its own would escape it."""
    import re

    own = re.compile(r"\btempfile\.|mkdtemp|mkstemp|getpid\(\)\}?\.tmp|\.partial\b|"
                     r"with_name\(f\"\.")
    package = Path(__file__).parents[1] / "shipyard"
    found = [f"{path.relative_to(package)}:{number}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if path.name != "fsutil.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if own.search(line)]
    assert found == []
