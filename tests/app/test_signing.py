"""The app is signed through the configured signer plugin (the strict codesign fake here),
inside-out, before it is renamed into place; its zip carries the signed state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.manifest import Manifest
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli

SIGN = '\n[tool.shipyard.sign]\nsigner = "codesign"\ntimestamp = false\n'


def test_app_is_signed_through_the_signer_plugin(
        app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str], fakes_path: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = app_project(SIGN)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    monkeypatch.setenv("APPLE_DEVELOPER_ID_APP", "Developer ID Application: Example (TEAM123456)")
    for name in ("APPLE_SIGNING_CERTIFICATE", "APPLE_SIGNING_PASSWORD", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "zip")
    assert code == 0, err
    manifest = Manifest.load(project / "dist")
    assert manifest.find(kind="app")[0].signed is True
    assert manifest.find(kind="zip")[0].signed is True
    signed = [c["argv"][-1] for c in read_calls(log) if c["tool"] == "codesign"
              and "--sign" in c["argv"]]
    assert signed and signed[-1].endswith("Demo.app")  # the bundle last: inside-out
