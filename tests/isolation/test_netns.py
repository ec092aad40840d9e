"""``enforce`` on Linux: a build step in its own network namespace reaches the allowlisted index
through the proxy, and a direct connection that ignores the proxy fails.  The control runs the
same step without the namespace and shows the direct connection does succeed then, so the
negative test is not passing by accident."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shipyard.config.hermetic import NetworkConfig
from shipyard.config.model import ShipyardConfig
from shipyard.errors import IsolationUnavailableError
from shipyard.isolation import netns
from shipyard.isolation.session import hermetic
from shipyard.tools.runner import Runner
from tests.isolation.support import SimpleIndex

pytestmark = pytest.mark.integration

CHILD = """
import socket, sys, urllib.request
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10).close()
    print("direct: reached")
except OSError as exc:
    print(f"direct: failed ({exc.__class__.__name__})")
body = urllib.request.urlopen(sys.argv[2], timeout=30).read()   # honours http_proxy
print(f"proxied: {len(body)} bytes")
"""


def enforce_possible() -> bool:
    try:
        netns.check_available(Runner(echo=False))
        return True
    except IsolationUnavailableError:
        return False


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SimpleIndex]:
    served = SimpleIndex(tmp_path / "index")
    served.add("leakpkg", "1.0")
    with served.serving():
        yield served


def run_child(tmp_path: Path, index: SimpleIndex, mode: str) -> str:
    config = ShipyardConfig(network=NetworkConfig(mode=mode, index_url=index.url))
    with hermetic(config, Runner(echo=False), tmp_path / mode, {"PATH": "/usr/bin:/bin"}) as s:
        return s.runner.run([sys.executable, "-c", CHILD, str(index.port),
                             f"{index.url}leakpkg/"]).stdout


@pytest.mark.skipif(not enforce_possible(), reason="this host cannot create network namespaces")
def test_enforce_direct_connection_fails_and_the_proxy_still_works(tmp_path: Path,
                                                                   index: SimpleIndex) -> None:
    out = run_child(tmp_path, index, "enforce")
    assert "direct: failed (ConnectionRefusedError)" in out, out
    assert "proxied:" in out and index.hits == ["/simple/leakpkg/"]


def test_control_without_the_namespace_the_direct_connection_succeeds(tmp_path: Path,
                                                                       index: SimpleIndex) -> None:
    out = run_child(tmp_path, index, "proxy")
    assert "direct: reached" in out and "proxied:" in out


def test_enforce_is_refused_off_linux() -> None:
    with pytest.raises(IsolationUnavailableError, match="needs Linux network namespaces") as err:
        netns.check_available(Runner(echo=False), platform="darwin")
    assert err.value.exit_code == 5 and "backend = \"container\"" in str(err.value)


def test_missing_unshare_exits_5(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IsolationUnavailableError, match="needs `unshare`") as err:
        netns.check_available(Runner(echo=False), platform="linux")
    assert err.value.exit_code == 5 and "util-linux" in str(err.value)


def test_a_host_without_namespaces_gives_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    fake = tmp_path / "unshare"
    fake.write_text("#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    with pytest.raises(IsolationUnavailableError, match="Operation not permitted") as err:
        netns.check_available(Runner(echo=False), platform="linux")
    assert err.value.exit_code == 5


def test_doctor_says_why_enforce_cannot_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shipyard import doctor

    monkeypatch.setenv("PATH", str(tmp_path))
    assert "needs `unshare`" in doctor.enforce_unavailable()
    monkeypatch.setattr(doctor.sys, "platform", "darwin")
    assert "needs Linux network namespaces" in doctor.enforce_unavailable()
