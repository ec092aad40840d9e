"""The isolated environment: an allowlist of the caller's variables, own dirs, secrets on request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipyard.isolation.environment import BuildEnvironment, ProxySettings, inherited
from shipyard.isolation.session import IsolatedRunner
from shipyard.tools.runner import Runner

CALLER = {
    "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "SOURCE_DATE_EPOCH": "1",
    "HOME": "/home/someone", "PIP_INDEX_URL": "http://evil/simple", "UV_INDEX_URL": "http://evil",
    "PYTHONPATH": "/home/someone/hacks", "VIRTUAL_ENV": "/home/someone/venv",
    "APPLE_SIGNING_PASSWORD": "canary-p12-password", "NPM_TOKEN": "canary-npm-token",
    "XDG_CONFIG_HOME": "/home/someone/.config", "HTTPS_PROXY": "http://corp:3128",
}


def test_only_allowlisted_variables_are_inherited() -> None:
    assert inherited(CALLER) == {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                                 "SOURCE_DATE_EPOCH": "1"}


def test_every_dir_lives_under_the_root_and_no_config_is_read(tmp_path: Path) -> None:
    env = BuildEnvironment(tmp_path / "iso", CALLER, "http://127.0.0.1:1/simple/").create().variables()
    for name in ("HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                 "XDG_STATE_HOME", "PIP_CACHE_DIR", "UV_CACHE_DIR"):
        assert Path(env[name]).is_relative_to(tmp_path / "iso") and Path(env[name]).is_dir(), name
    assert env["PIP_CONFIG_FILE"] == os.devnull and env["UV_NO_CONFIG"] == "1"
    assert env["PIP_INDEX_URL"] == env["UV_INDEX_URL"] == "http://127.0.0.1:1/simple/"
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert "HTTPS_PROXY" not in env, "the caller's proxy would bypass the allowlist"


def test_proxy_variables_in_both_spellings_and_nothing_bypasses(tmp_path: Path) -> None:
    env = BuildEnvironment(tmp_path, CALLER, proxy=ProxySettings("http://127.0.0.1:9")).variables()
    assert env["HTTPS_PROXY"] == env["https_proxy"] == env["HTTP_PROXY"] == env["http_proxy"]
    assert env["NO_PROXY"] == env["no_proxy"] == ""


def test_secrets_reach_only_the_step_that_names_them(tmp_path: Path) -> None:
    isolation = BuildEnvironment(tmp_path, CALLER).create()
    plain = isolation.variables()
    assert "canary" not in repr(plain)
    asked = isolation.variables(secrets=["NPM_TOKEN"])
    assert asked["NPM_TOKEN"] == "canary-npm-token" and "APPLE_SIGNING_PASSWORD" not in asked


def test_isolated_runner_masks_a_passed_secret_and_shares_history(tmp_path: Path) -> None:
    parent = Runner(dry_run=True, echo=False)
    runner = IsolatedRunner(parent, BuildEnvironment(tmp_path, CALLER).create())
    runner.run(["tool", "canary-npm-token"], pass_secrets=["NPM_TOKEN"])
    assert parent.history == ["tool ********"]


@pytest.mark.integration
def test_a_step_sees_its_own_home_not_the_callers(tmp_path: Path) -> None:
    runner = IsolatedRunner(Runner(echo=False), BuildEnvironment(tmp_path, CALLER).create())
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    import json
    import sys

    seen = json.loads(runner.run([sys.executable, "-c", code]).stdout)
    assert seen["HOME"] == str(tmp_path / "home") and "PIP_INDEX_URL" not in seen or \
        seen["PIP_INDEX_URL"] != CALLER["PIP_INDEX_URL"]
    assert "canary" not in json.dumps(seen)


def test_an_explicit_stripped_env_keeps_its_home_and_gets_the_proxy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolation = BuildEnvironment(tmp_path, CALLER, proxy=ProxySettings("http://127.0.0.1:9")).create()
    runner = IsolatedRunner(Runner(echo=False), isolation)
    seen: dict[str, str] = {}

    def record(self: Runner, argv: object, *, env: dict[str, str], **kwargs: object) -> None:
        seen.update(env)

    monkeypatch.setattr(Runner, "run", record)
    runner.run(["shim"], env={"PATH": "/usr/bin", "HOME": "/smoke-home"})
    assert seen["HOME"] == "/smoke-home" and seen["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert seen["PIP_CONFIG_FILE"] == os.devnull
    assert "PYTHONPATH" not in seen and "APPLE_SIGNING_PASSWORD" not in seen
