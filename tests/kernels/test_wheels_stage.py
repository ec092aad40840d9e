"""The `wheels` stage: cibuildwheel on macOS, one recorded wheel per CPython; elsewhere exit 5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.errors import ToolMissingError
from shipyard.manifest import Manifest
from shipyard.plugins.manager import plugins
from shipyard.stages import StageContext, stage_function
from shipyard.tools.runner import Runner
from tests.helpers import write_project


def context(root: Path, *, dry_run: bool = False) -> StageContext:
    return StageContext(project=load_project(root, env={}), runner=Runner(dry_run=dry_run),
                        plugins=plugins(), out_dir=root / "dist", dry_run=dry_run)


def test_dry_run_shows_the_cibuildwheel_command_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", "")
    assert stage_function("wheels")(context(root, dry_run=True)) == []
    out, err = capsys.readouterr()
    assert f"cibuildwheel --platform macos --output-dir {root / 'dist'} {root}" in out + err
    assert not (root / "dist").exists()


def test_off_macos_the_stage_exits_5_and_says_where_it_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shipyard.tools.is_macos", lambda: False)
    with pytest.raises(ToolMissingError) as info:
        stage_function("wheels")(context(write_project(tmp_path / "p", "")))
    assert info.value.exit_code == 5
    assert "macOS host" in info.value.message and "shipyard wheel" in (info.value.hint or "")


def test_on_macos_every_wheel_cibuildwheel_writes_is_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fakes_path: Path) -> None:
    monkeypatch.setattr("shipyard.tools.is_macos", lambda: True)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    root = write_project(tmp_path / "p", "", name="demo-pkg", version="0.7.3")
    made = stage_function("wheels")(context(root))
    names = sorted(a.name for a in made)
    assert names == [f"demo_pkg-0.7.3-{t}-{t}-macosx_14_0_arm64.whl"
                     for t in ("cp311", "cp312", "cp313")]
    assert {(a.kind, a.stage, a.target) for a in made} == {("wheel", "wheels", "macosx_14_0_arm64")}
    recorded = {a.name for a in Manifest.load(root / "dist").artifacts if a.stage == "wheels"}
    assert recorded == set(names)
    calls = [json.loads(line)["argv"] for line in log.read_text().splitlines()]
    assert calls[0] == ["--version"]  # required before it runs
    [call] = [argv for argv in calls if argv[:1] == ["--platform"]]
    assert call == ["--platform", "macos", "--output-dir", str(root / "dist"), str(root)]
