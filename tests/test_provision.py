"""``shipyard provision``: the host contract, checked and installed through strict fakes of
brew, xcode-select, xcodebuild, dpkg-query and apt-get; a second run has nothing to do."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from shipyard.config.hermetic import HostConfig
from shipyard.errors import ConfigError
from shipyard.provision import HostCheck, requirements, table, version_key
from shipyard.tools.runner import Runner
from tests.fakes._fakelib import read_calls
from tests.helpers import run_cli, write_project

MACOS = HostConfig(brew=["git", "node>=20.10", "llvm@17"], xcode_clt=True, metal_toolchain=True,
                   python=["3.11"], apt=["patchelf"])


@pytest.fixture
def host(tmp_path: Path, fakes_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "host.json"
    state.write_text(json.dumps({
        "brew": {"git": "2.45.0", "node": "18.20.1"}, "clt": False, "metal": False,
        "dpkg": {"patchelf": "0.17.2-1", "clang": "1:14.0-55.7"},
        "available": {"brew": {"git": "2.45.0", "node": "20.11.0", "llvm@17": "17.0.6_1"},
                      "dpkg": {"patchelf": "0.17.2-1", "clang": "1:15.0.7-1"}}}))
    monkeypatch.setenv("SHIPYARD_FAKE_HOST", str(state))
    monkeypatch.setenv("SHIPYARD_FAKE_LOG", str(tmp_path / "calls.jsonl"))
    # python3.11 is present on this host whatever Python the machine running the tests has
    interpreters = tmp_path / "interpreters"
    interpreters.mkdir()
    (interpreters / "python3.11").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", f"{interpreters}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_macos_check_reports_each_requirement_with_its_fix(host: Path) -> None:
    verdicts = HostCheck(Runner(echo=False), platform="darwin").check_all(MACOS)
    got = {v.requirement.label: (v.state, v.command) for v in verdicts}
    assert got == {
        "git": ("present", ""),
        "node>=20.10": ("wrong-version", "brew upgrade node"),
        "llvm@17": ("missing", "brew install llvm@17"),
        "Xcode command line tools": ("missing", "xcode-select --install"),
        "MetalToolchain": ("missing", "xcodebuild -downloadComponent MetalToolchain"),
        "python3.11": ("present", ""),
        "patchelf": ("skipped", "Debian/Ubuntu only"),
    }
    assert "wrong-version" in "\n".join(table(verdicts)) and "18.20.1" in "\n".join(table(verdicts))


def test_macos_install_is_idempotent(host: Path) -> None:
    check = HostCheck(Runner(echo=False), platform="darwin")
    done, after = check.install(MACOS)
    assert [v.requirement.label for v in done] == [
        "node>=20.10", "llvm@17", "Xcode command line tools", "MetalToolchain"]
    assert all(v.ok for v in after)
    changes = [c["argv"] for c in read_calls(host / "calls.jsonl")
               if c["argv"][:1] in (["install"], ["upgrade"], ["--install"], ["-downloadComponent"])]
    assert changes == [["upgrade", "node"], ["install", "llvm@17"], ["--install"],
                       ["-downloadComponent", "MetalToolchain"]]
    again, _ = check.install(MACOS)
    assert again == []


def test_linux_cli_check_install_and_nothing_to_do(host: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(host / "proj", '[tool.shipyard.host]\napt = ["patchelf", "clang>=1:15"]\n'
                            'brew = ["git"]')
    code, out, err = run_cli(capsys, "-C", str(project), "provision", "--check")
    assert code == 5, err
    assert "apt-get install -y --only-upgrade clang" in out and "this host lacks: clang>=1:15" in err
    assert "skipped" in out and "macOS only" in out
    code, out, err = run_cli(capsys, "-C", str(project), "provision")
    assert code == 0, err
    assert "present       apt              clang>=1:15 (1:15.0.7-1)" in out
    code, out, err = run_cli(capsys, "-C", str(project), "provision")
    assert code == 0 and "nothing to do" in err


def test_dry_run_prints_the_commands_and_installs_nothing(host: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(host / "proj", '[tool.shipyard.host]\napt = ["clang>=1:15"]')
    code, _, err = run_cli(capsys, "-C", str(project), "-n", "provision")
    assert code == 5 and "[dry-run] $ apt-get install -y --only-upgrade clang" in err
    assert json.loads((host / "host.json").read_text())["dpkg"]["clang"] == "1:14.0-55.7"


@pytest.mark.integration  # doctor probes every real tool (git, uv --version)
def test_doctor_shows_the_same_table(host: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(host / "proj", '[tool.shipyard.host]\napt = ["clang>=1:15"]')
    code, out, err = run_cli(capsys, "-C", str(project), "doctor")
    assert code == 0, err
    assert "host requirements" in out and "apt-get install -y --only-upgrade clang" in out


@pytest.mark.parametrize(("key", "value"), [("brew", '["llvm@17 >= 3"]'), ("apt", '["--force"]'),
                                            ("python", '["3"]')])
def test_bad_host_entries_are_config_errors(tmp_path: Path, key: str, value: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p", f"[tool.shipyard.host]\n{key} = {value}")
    code, _, err = run_cli(capsys, "-C", str(project), "provision", "--check")
    assert code == ConfigError.exit_code and f"tool.shipyard.host.{key}[0]" in err


def test_versions_compare_by_their_numeric_parts() -> None:
    assert version_key("17.0.6_1") == (17, 0, 6)
    assert version_key("1:14.0-55.7") == (14, 0)
    assert version_key("20.11.0") > version_key("20.10")


@pytest.mark.parametrize("fields", [
    {}, {"brew": ["cmake"]}, {"xcode_clt": True}, {"metal_toolchain": True},
    {"python": ["3.12"]}, {"apt": ["patchelf>=0.14"]},
])
def test_doctor_skips_the_host_check_exactly_when_nothing_is_required(fields: dict[str, object]) -> None:
    config = HostConfig(**fields)  # type: ignore[arg-type]
    assert config.requires_anything == bool(requirements(config))
