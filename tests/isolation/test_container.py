"""``sidecar.backend = "container"`` through the strict fake of Apple's ``container`` CLI: the
documented command lines in order, the build's label on every resource, the proxy as the only
way out, and cleanup by label on success and failure; refusals with clear exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.doctor import check_container_backend
from shipyard.errors import CommandError, ConfigError, IsolationUnavailableError
from shipyard.isolation import container as backend
from shipyard.isolation.session import hermetic
from shipyard.plugins.manager import plugins
from shipyard.sidecar.build import check_target
from shipyard.sidecar.types import SidecarBuild
from shipyard.tools.base import ToolStatus
from shipyard.tools.runner import Runner
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli, write_project

TARBALL = "tool-sidecar-aarch64-unknown-linux-gnu.tar.gz"


@pytest.fixture
def fake(tmp_path: Path, fakes_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    state, log, script = tmp_path / "state.json", tmp_path / "calls.jsonl", tmp_path / "script.json"
    monkeypatch.setenv("SHIPYARD_FAKE_CONTAINER_STATE", str(state))
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(log))
    monkeypatch.setenv("SHIPYARD_FAKE_SCRIPT", str(script))
    # The real gateway is the host's address on the vmnet bridge; on this Linux host the proxy
    # must bind somewhere that exists, so the fake reports loopback.
    conf = {"gateway": "127.0.0.1", "exec_writes": {f"/out/{TARBALL}": "bundle bytes"}}
    script.write_text(json.dumps({"container": conf}))
    downloads: list[Path] = []
    monkeypatch.setattr(backend, "download_runtime_wheels", lambda build, dest: downloads.append(dest))
    return {"state": state, "log": log, "script": script, "conf": conf, "downloads": downloads}


def make_build(tmp_path: Path, extra: str = "") -> SidecarBuild:
    root = write_project(tmp_path / "proj", '[tool.shipyard.sidecar]\ntarget = '
                         f'"aarch64-unknown-linux-gnu"\nbackend = "container"\npackages = ["."]\n{extra}',
                         name="tool")
    build = SidecarBuild(project=load_project(root, env={}), runner=Runner(echo=False),
                         plugins=plugins(), out_dir=root / "dist", env={"PATH": "/usr/bin"})
    check_target(build)
    return build


def calls(fake: dict) -> list[list[str]]:
    return [c["argv"] for c in read_calls(fake["log"]) if c["tool"] == "container"]


def leftovers(fake: dict) -> tuple[dict, dict]:
    state = json.loads(fake["state"].read_text())
    return state["containers"], state["networks"]


def test_a_linux_sidecar_is_built_in_a_container_behind_the_proxy(tmp_path: Path, fake: dict) -> None:
    build = make_build(tmp_path)
    result = backend.build_in_container(build, platform="darwin")
    assert result.tarball == build.out_dir / TARBALL and result.tarball.read_text() == "bundle bytes"
    assert (build.out_dir / f"{TARBALL}.sha256").read_text() == f"{result.sha256}  {TARBALL}\n"
    assert sorted(p.name for p in build.out_dir.iterdir()) == [TARBALL, f"{TARBALL}.sha256"]
    argv = calls(fake)
    assert argv[:3] == [["system", "version", "--format", "json"], ["list", "--all", "--format", "json"],
                        ["network", "list", "--format", "json"]]  # the sweep of killed builds
    build_id = argv[3][argv[3].index("--label") + 1].split("=", 1)[1]
    name = f"shipyard-{build_id}"
    labels = ["--label", f"dev.shipyard.build={build_id}",
              "--label", f"dev.shipyard.owner={socket.gethostname()}:{os.getpid()}"]
    assert argv[3][:3] == ["build", "--tag", f"shipyard-build:{build_id}"] and argv[3][-1].endswith("context")
    assert argv[4] == ["network", "create", "--internal", *labels, name]
    assert argv[5] == ["network", "inspect", name]
    assert argv[6] == ["run", "--detach", "--name", name, "--network", name, *labels,
                       "--mount", f"type=bind,source={build.project.root},target=/src,readonly",
                       f"shipyard-build:{build_id}", "sleep", "2147483647"]
    env = [a for a in argv[7][1:argv[7].index(name)] if a != "--env"]
    assert env[0] == "SHIPYARD_NETWORK_MODE=off" and env[1].startswith("SHIPYARD_OUTER_PROXY=http://127.0.0.1:")
    assert argv[7][argv[7].index(name) + 1:] == backend.inner_command(build)
    assert argv[8][:2] == ["copy", f"{name}:/out/{TARBALL}"]
    assert argv[9:] == [["list", "--all", "--format", "json"], ["network", "list", "--format", "json"],
                        ["delete", "--force", name], ["network", "delete", name]]
    assert leftovers(fake) == ({}, {})
    assert [p.relative_to(p.parents[1]) for p in fake["downloads"]] == [Path("context/wheels")]


def test_a_failed_build_still_removes_its_containers_and_networks(tmp_path: Path, fake: dict) -> None:
    fake["script"].write_text(json.dumps({"container": {**fake["conf"], "exec_exit": 1}}))
    build = make_build(tmp_path)
    with pytest.raises(CommandError, match="exit code 1"):
        backend.build_in_container(build, platform="darwin")
    assert leftovers(fake) == ({}, {})
    assert not list(build.out_dir.iterdir()), "nothing half-written"


def test_too_old_a_container_cli_is_refused(tmp_path: Path, fake: dict) -> None:
    fake["script"].write_text(json.dumps({"container": {**fake["conf"], "version": "0.12.3"}}))
    with pytest.raises(IsolationUnavailableError, match="container 0.12.3 is too old") as err:
        backend.build_in_container(make_build(tmp_path), platform="darwin")
    assert err.value.exit_code == 5 and "1.0.0" in str(err.value)
    assert calls(fake) == [["system", "version", "--format", "json"]]


def test_resources_of_a_killed_build_are_swept_first(tmp_path: Path, fake: dict) -> None:
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    dead_pid = finished.pid  # a process that has exited: its build was "killed"
    host = socket.gethostname()
    owners = {"old": f"{host}:{dead_pid}", "live": f"{host}:{os.getpid()}", "other": f"elsewhere:{dead_pid}"}
    fake["state"].write_text(json.dumps({
        "images": {"img": {}},
        "containers": {f"c-{k}": {"labels": {"dev.shipyard.build": k, "dev.shipyard.owner": v},
                                  "network": "default", "image": "img", "running": True}
                       for k, v in owners.items()},
        "networks": {f"n-{k}": {"labels": {"dev.shipyard.build": k, "dev.shipyard.owner": v}}
                     for k, v in owners.items()}}))
    backend.build_in_container(make_build(tmp_path), platform="darwin")
    containers, networks = leftovers(fake)
    assert sorted(containers) == ["c-live", "c-other"] and sorted(networks) == ["n-live", "n-other"]


def test_only_linux_targets_on_macos_hosts(tmp_path: Path, fake: dict) -> None:
    with pytest.raises(IsolationUnavailableError, match="needs a macOS host") as err:
        backend.build_in_container(make_build(tmp_path), platform="linux")
    assert err.value.exit_code == 5
    mac = make_build(tmp_path / "mac", 'macos-version = "14.0"')
    mac.project = load_project(write_project(tmp_path / "m", '[tool.shipyard.sidecar]\ntarget = '
                                             '"aarch64-apple-darwin"\nbackend = "container"'), env={})
    check_target(mac)
    with pytest.raises(ConfigError, match="builds aarch64-unknown-linux-gnu sidecars") as err:
        backend.build_in_container(mac, platform="darwin")
    assert err.value.exit_code == 4


def test_the_cli_on_linux_refuses_with_exit_5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "p", '[tool.shipyard.sidecar]\ntarget = "aarch64-unknown-linux-gnu"'
                         '\nbackend = "container"\npackages = ["."]')
    code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build")
    assert code == 5 and "needs a macOS host" in err


def test_doctor_reports_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard import doctor

    monkeypatch.setattr(doctor, "is_macos", lambda: True)
    old = {"container": ToolStatus("container", True, version="0.12.3", path="/usr/local/bin/container")}
    assert check_container_backend(old) == ["container 0.12.3 is too old: 1.0.0 or later is needed"]
    assert check_container_backend({"container": ToolStatus("container", True, version="1.2.2")}) == []
    assert "container missing" in check_container_backend({})[0]
    monkeypatch.setattr(doctor, "is_macos", lambda: False)
    assert "needs a macOS host" in check_container_backend({})[0]


def test_inside_the_container_the_outer_proxy_is_used(tmp_path: Path) -> None:
    config = load_project(write_project(tmp_path / "p", '[tool.shipyard.network]\nmode = "off"'),
                          env={}).config
    env = {"SHIPYARD_OUTER_PROXY": "http://192.168.66.1:4321"}
    with hermetic(config, Runner(echo=False), tmp_path / "iso", env) as session:
        assert session.proxy is None and session.proxy_url == "http://192.168.66.1:4321"
        assert session.environment.variables()["HTTPS_PROXY"] == "http://192.168.66.1:4321"
