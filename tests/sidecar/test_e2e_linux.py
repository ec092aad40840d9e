"""End to end, for real: a Linux sidecar from a local PBS mirror, a PyPI package and its
dependency, smoke test through the shim, checksum file, byte-identical rebuild."""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import subprocess
import tarfile
from pathlib import Path

import pytest

from shipyard.sidecar.hostpbs import host_mirror
from shipyard.sidecar.target import host_triple
from shipyard.tools.runner import Runner
from tests.helpers import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.skipif(not host_triple().endswith("linux-gnu"), reason="Linux host only")]

TOOL = '''[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "e2e-tool"
version = "2.0.1"
dependencies = ["python-dateutil==2.9.0.post0"]

[project.scripts]
e2e-tool = "e2e_tool:main"
'''
TOOL_CODE = '''import sys
import dateutil

def main():
    print(f"e2e-tool 2.0.1 (dateutil {dateutil.__version__})")
    return 0 if "--fail" not in sys.argv else 7
'''


@pytest.fixture(scope="session")
def host_pbs_mirror() -> Path:
    """The host interpreter as a PBS-layout mirror, built once per machine and Python."""
    cache = Path.home() / ".cache" / "shipyard-tests" / platform.python_version()
    return host_mirror(cache, Runner(echo=False))


def pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


def make_project(tmp_path: Path, mirror: Path, extra: str = "") -> Path:
    project = tmp_path / "proj"
    (project / "tool" / "e2e_tool").mkdir(parents=True)
    (project / "tool" / "pyproject.toml").write_text(TOOL)
    (project / "tool" / "e2e_tool" / "__init__.py").write_text(TOOL_CODE)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "e2e-tool"\nversion = "2.0.1"\n\n[tool.shipyard.sidecar]\n'
        f'pbs-version = "{platform.python_version()}"\npbs-tag = "host"\n'
        f'pbs-mirror = "{mirror}"\npackages = ["./tool"]\n'
        'smoke-imports = ["e2e_tool", "dateutil", "six"]\nbinary-baseline = 0\n' + extra)
    return project


@pytest.mark.network
def test_linux_sidecar_end_to_end(host_pbs_mirror: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable")
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("OUT_DIR", raising=False)
    project = make_project(tmp_path, host_pbs_mirror)
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "lock")
    assert code == 0, err
    assert "added" in err and (project / "shipyard.lock").is_file()

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert "smoke shim: ok (e2e-tool 2.0.1 (dateutil 2.9.0" in err, err
    assert "smoke import check: ok" in err
    name = f"e2e-tool-sidecar-{host_triple()}.tar.gz"
    tarball = project / "dist" / name
    digest, listed = (project / "dist" / f"{name}.sha256").read_text().split()
    assert hashlib.sha256(tarball.read_bytes()).hexdigest() == digest and listed == name
    first = tarball.read_bytes()

    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 0, err
    assert tarball.read_bytes() == first, "rebuild is not byte-identical"

    unpacked = tmp_path / "unpacked"
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    assert (unpacked / "e2e-tool/site-packages/six.py").is_file()
    link = tmp_path / "bin" / "tool"
    link.parent.mkdir()
    link.symlink_to(unpacked / "e2e-tool" / "bin" / "e2e-tool")
    result = subprocess.run([str(link)], cwd="/", env={"PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("e2e-tool 2.0.1")
    assert not list(unpacked.rglob("__pycache__"))


@pytest.mark.network
def test_smoke_failure_exits_3_and_packages_nothing(host_pbs_mirror: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    if not pypi_reachable():
        pytest.skip("PyPI is unreachable")
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CI", raising=False)
    project = make_project(tmp_path, host_pbs_mirror, 'smoke-command = ["--fail"]\n')
    assert run_cli(capsys, "-C", str(project), "sidecar", "lock")[0] == 0
    code, _, err = run_cli(capsys, "-C", str(project), "sidecar", "build")
    assert code == 3, err
    assert "shim exited with 7" in err and "e2e-tool 2.0.1" in err  # the real output is shown
    assert sorted(os.listdir(project / "dist")) == []
