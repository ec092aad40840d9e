"""Shared file helpers: atomic writes, staging directories, output-dir validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipyard.errors import ConfigError
from shipyard.fsutil import atomic_write_text, safe_out_dir, staging_dir


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
