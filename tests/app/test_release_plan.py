"""Release families build app, zip, pkg and dmg; the dry-run plan shows each of them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.manifest import Manifest
from shipyard.release.orchestrate import Release, release_artifacts
from shipyard.release.tags import resolve_tag
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
FAMILY = '\n[tool.shipyard.release.families.app]\ntag = "app-v{version}"\nbuild = {build}\n'


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "OUT_DIR")}


def test_demo_app_release_plan_shows_app_zip_and_pkg() -> None:
    result = subprocess.run([sys.executable, "-m", "shipyard", "-C", str(ROOT / "examples/demo"),
                             "release", "app-v0.7.3", "--dry-run"], env=_env(),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for expected in ("family app", "build sidecar", "build app", "build zip", "build pkg",
                     "publish github:"):
        assert expected in text, expected
    assert "Demo.app," not in text  # the folder itself is never uploaded


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS builds the dmg with hdiutil")
def test_plan_says_when_the_dmg_writer_is_missing_here(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.tools.xorrisofs import Xorrisofs

    project = app_project(FAMILY.replace("{build}", '["app", "zip", "pkg", "dmg"]'))
    monkeypatch.setattr(Xorrisofs, "which", lambda self: "/usr/bin/xorrisofs")
    code, out, err = run_cli(capsys, "-C", str(project), "release", "app-v1.2.3", "--dry-run")
    assert code == 0, err
    assert "build dmg" in out and "would fail now" not in out
    monkeypatch.setattr(Xorrisofs, "which", lambda self: None)
    code, out, err = run_cli(capsys, "-C", str(project), "release", "app-v1.2.3", "--dry-run")
    assert code == 0, err
    assert "would fail now: a .dmg built off macOS needs xorrisofs" in out
    assert not (project / "dist" / "Demo.app").exists()


def test_release_artifacts_carry_kind_sha256_and_signing_state(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    project = app_project(FAMILY.replace("{build}", '["app", "zip", "pkg"]'))
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar")
    assert code == 0, err
    from shipyard.config.loader import load_project

    loaded = load_project(project, env={})
    tag = resolve_tag("app-v1.2.3", loaded.config.release, loaded.version)
    release = Release(project=loaded, runner=None, plugins=None,  # type: ignore[arg-type]
                      out_dir=project / "dist", env={}, tag=tag, publishers=[], state=None)  # type: ignore[arg-type]
    shipped = {a.name: a for a in release_artifacts(release)}
    assert sorted(shipped) == ["Demo-1.2.3.pkg", "Demo-1.2.3.zip"]
    for name, kind in (("Demo-1.2.3.pkg", "pkg"), ("Demo-1.2.3.zip", "zip")):
        assert shipped[name].kind == kind and len(shipped[name].sha256) == 64
        assert shipped[name].signed is False
    app = Manifest.load(project / "dist").find(kind="app")[0]
    assert app.extra["sha256_of"] == "tree" and app.signed is False
