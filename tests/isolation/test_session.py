"""One hermetic session: cleaned up on failure and Ctrl-C; a refusal becomes a clear error."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from shipyard.config.hermetic import NetworkConfig
from shipyard.config.model import ShipyardConfig
from shipyard.errors import CommandError, NetworkPolicyError
from shipyard.isolation.session import hermetic
from shipyard.tools.runner import Runner


def proxy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "shipyard-proxy"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, CommandError])
def test_everything_goes_on_failure_and_ctrl_c(tmp_path: Path, interrupt: type) -> None:
    root = tmp_path / "iso"
    with pytest.raises(interrupt), hermetic(ShipyardConfig(), Runner(echo=False), root, {}) as s:
        assert (root / "home").is_dir() and s.proxy is not None and proxy_threads()
        raise interrupt("boom")
    assert not root.exists()
    assert proxy_threads() == []


def test_off_mode_starts_no_proxy(tmp_path: Path) -> None:
    config = ShipyardConfig(network=NetworkConfig(mode="off"))
    with hermetic(config, Runner(echo=False), tmp_path / "iso", {}) as session:
        assert session.proxy is None and "HTTPS_PROXY" not in session.environment.variables()
        assert (tmp_path / "iso" / "home").is_dir(), "isolation is always on"


def test_a_failure_after_a_refusal_names_the_host_and_the_key(tmp_path: Path) -> None:
    with pytest.raises(NetworkPolicyError) as err, \
            hermetic(ShipyardConfig(), Runner(echo=False), tmp_path / "iso", {}) as session:
        assert session.proxy_url
        assert httpx.get("http://127.0.0.3:9/x", proxy=session.proxy_url).status_code == 403
        raise CommandError("command failed with exit code 1: pip install thing")
    text = str(err.value)
    assert "127.0.0.3" in text and "tool.shipyard.network.allow" in text
    assert err.value.exit_code == 14


def test_a_busy_proxy_port_fails_the_build_with_exit_14(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from tests.helpers import run_cli, write_project

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        root = write_project(tmp_path / "p", f'[tool.shipyard.sidecar]\npackages = ["x"]\n'
                             f'[tool.shipyard.network]\nproxy-port = {port}')
        code, _, err = run_cli(capsys, "-C", str(root), "sidecar", "build")
    assert code == 14 and f"127.0.0.1:{port}: the port is in use" in err
    assert "tool.shipyard.network.proxy-port" in err
    assert [p.name for p in (root / "dist").iterdir()] == [], "nothing left behind"
