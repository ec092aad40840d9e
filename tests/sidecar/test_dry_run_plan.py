"""The sidecar's dry-run plan names the interpreter the build would really bundle."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project


@pytest.mark.parametrize(("mirror", "expected"), [
    ('"host"', f"a copy of this host's Python {platform.python_version()}"),
    ('"/srv/pbs"', "PBS 3.12.13+20260610"),
])
def test_dry_run_names_the_interpreter_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mirror: str, expected: str
) -> None:
    root = write_project(tmp_path / "p", f"[tool.shipyard.sidecar]\npbs-mirror = {mirror}\n")
    code, _, err = run_cli(capsys, "-C", str(root), "--dry-run", "sidecar", "build",
                           "--target", "x86_64-unknown-linux-gnu")
    assert code == 0, err
    assert f"would bundle {expected}" in err
    assert not (root / "dist").exists()
