"""The daemon's launchd job and its install scripts, run by dash against a strict launchctl."""

from __future__ import annotations

import json
import os
import plistlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.app.daemon import check_job, install_script, postinstall_script
from shipyard.app.plist import check_launchd_plist
from shipyard.app.validate import DaemonPlan
from shipyard.errors import ShipyardError
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli
from tests.system_tools import require_tool

LABEL = "com.example.demo.daemon"


def plan(**changes: object) -> DaemonPlan:
    values: dict = {"label": LABEL, "program": "", "arguments": ("serve",), "scope": "user",
                    "run_at_load": True, "keep_alive": True,
                    "stdout": "~/Library/Logs/Demo/daemon.log",
                    "stderr": "~/Library/Logs/Demo/daemon.err.log"}
    values.update(changes)
    return DaemonPlan(**values)


def test_job_is_checked_for_what_launchd_requires() -> None:
    job = check_job(plan(), "Demo", "tool")
    assert job["ProgramArguments"] == [
        "/Users/example/Library/Application Support/Demo/bin/tool", "serve"]
    assert job["StandardOutPath"] == "/Users/example/Library/Logs/Demo/daemon.log"
    assert (job["RunAtLoad"], job["KeepAlive"]) == (True, True)
    with pytest.raises(ShipyardError, match="launchd does not expand"):
        check_launchd_plist({**job, "StandardOutPath": "~/Library/Logs/x.log"}, "job")
    with pytest.raises(ShipyardError, match="Label is missing"):
        check_launchd_plist({**job, "Label": ""}, "job")


def test_system_scope_uses_the_system_domain_and_library_folders() -> None:
    text = install_script(plan(scope="system", stdout="/Library/Logs/Demo/d.log",
                               stderr="/Library/Logs/Demo/e.log"), "Demo", "tool")
    assert "domain=system\n" in text and "plist=/Library/LaunchDaemons/" in text
    assert "bindir=/Library/Demo/bin\n" in text and "needs root" in text
    assert "launchctl load" not in text and "$UID" not in text


@pytest.fixture
def installed_app(app_project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> Path:
    project = app_project(daemon=True)
    code, _, err = run_cli(capsys, "-C", str(project), "app", "build", "--reuse-sidecar",
                           "--installers", "")
    assert code == 0, err
    return project / "dist" / "Demo.app"


def _run(script: Path, home: Path, state: Path, log: Path, path: Path) -> str:
    env = {"HOME": str(home), "PATH": f"{path}:{os.environ['PATH']}",
           "SHIPYARD_FAKE_LAUNCHD": str(state), "SHIPYARD_FAKE_LOG": str(log)}
    done = subprocess.run([require_tool("dash"), str(script)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.integration
def test_install_and_uninstall_are_idempotent_under_dash(
        installed_app: Path, tmp_path: Path, fakes_path: Path, direct_python: Path) -> None:
    home = tmp_path / "my home & <co>"  # a space and XML characters, quoted and escaped
    home.mkdir()
    state, log = tmp_path / "launchd.json", tmp_path / "calls.jsonl"
    path = Path(f"{fakes_path}:{direct_python}")
    scripts = installed_app / "Contents/Resources/daemon"
    uid = os.getuid()
    for _ in range(2):
        assert f"installed {LABEL}" in _run(scripts / "install-daemon", home, state, log, path)
        plist = home / "Library/LaunchAgents" / f"{LABEL}.plist"
        job = plistlib.loads(plist.read_bytes())
        check_launchd_plist(job, str(plist))
        link = Path(job["ProgramArguments"][0])
        assert link == home / "Library/Application Support/Demo/bin/tool"
        assert link.resolve() == (installed_app / "Contents/MacOS/tool").resolve()
        assert job["ProgramArguments"][1:] == ["serve", "--port", "8765"]
        assert job["StandardOutPath"] == f"{home}/Library/Logs/Demo/daemon.log"
        assert "~" not in plist.read_text()
        assert list(json.loads(state.read_text())) == [f"gui/{uid}/{LABEL}"]
    commands = [c["argv"][0] for c in read_calls(log)]
    assert commands == ["print", "bootstrap", "print", "bootout", "bootstrap"]
    for _ in range(2):
        _run(scripts / "uninstall-daemon", home, state, log, path)
        assert json.loads(state.read_text()) == {}
        assert not (home / "Library/LaunchAgents" / f"{LABEL}.plist").exists()
        assert not (home / "Library/Application Support/Demo/bin").exists()


@pytest.mark.integration
def test_postinstall_is_valid_posix_sh(tmp_path: Path) -> None:
    for scope in ("user", "system"):
        script = tmp_path / f"postinstall-{scope}"
        script.write_text(postinstall_script(plan(scope=scope, stdout="/l/o", stderr="/l/e"),
                                             "My Demo"))
        subprocess.run([require_tool("dash"), "-n", str(script)], check=True)
        assert "'My Demo.app'" in script.read_text()
