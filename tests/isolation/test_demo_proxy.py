"""The demo's sidecar build with ``network.mode = "proxy"`` against a local index: a dependency
comes from that index through the proxy, the smoke test passes, and the demo needs nothing else."""

from __future__ import annotations

import platform
import shutil
import tarfile
from pathlib import Path

import pytest

from shipyard.config.loader import load_project
from shipyard.isolation.policy import build_allowlist
from shipyard.sidecar.target import host_triple
from tests.helpers import run_cli
from tests.isolation.support import SimpleIndex

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def test_demo_network_policy_allows_only_the_implied_index() -> None:
    project = load_project(DEMO, env={})
    assert project.config.network.mode == "proxy"
    assert build_allowlist(project.config).entries == ("pypi.org", "files.pythonhosted.org")


def test_demo_sidecar_builds_through_the_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "demo"
    shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('"../../kernels"', f'"{DEMO.parents[1] / "kernels"}"'))
    # The host-interpreter PBS copy is built once per machine and Python, like the e2e tests'.
    monkeypatch.setenv("SHIPYARD_CACHE_DIR", str(Path.home() / ".cache" / "shipyard-tests"
                                                 / platform.python_version() / "demo"))
    for name in ("OUT_DIR", "SHIPYARD_OUT_DIR", "SHIPYARD_NETWORK_MODE"):
        monkeypatch.delenv(name, raising=False)
    index = SimpleIndex(tmp_path / "index")
    index.add("leakpkg", "1.0")
    with index.serving():
        code, _, err = run_cli(capsys, "-C", str(project), "--set", f"network.index-url={index.url!r}",
                               "--set", 'sidecar.packages=[".", "leakpkg"]', "sidecar", "build")
    assert code == 0, err
    assert "network proxy: build proxy http://127.0.0.1:" in err
    assert f"egress allowed: GET 127.0.0.1:{index.port}" in err
    assert "REFUSED" not in err
    assert "smoke shim: ok (shipyard-demo 0.7.3)" in err
    tarball = project / "dist" / f"shipyard-demo-sidecar-{host_triple()}.tar.gz"
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "shipyard-demo/site-packages/leakpkg/__init__.py" in names
