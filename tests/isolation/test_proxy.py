"""The allowlisting proxy on loopback: allowed hosts pass (CONNECT and plain HTTP), others are
refused with 403 naming the config key, each request logged; bad inputs are clear errors."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shipyard.config.hermetic import NetworkConfig
from shipyard.config.model import ShipyardConfig, SidecarConfig
from shipyard.errors import ConfigError, NetworkPolicyError
from shipyard.isolation.policy import build_allowlist, implied_hosts
from shipyard.isolation.proxy import Allowlist, EgressProxy
from tests.isolation.support import SimpleIndex


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SimpleIndex]:
    served = SimpleIndex(tmp_path / "index")
    served.add("leakpkg", "1.0")
    with served.serving():
        yield served


@pytest.fixture
def proxy() -> Iterator[tuple[EgressProxy, list[str]]]:
    lines: list[str] = []
    with EgressProxy(Allowlist(("127.0.0.1",)), log=lines.append) as running:
        yield running, lines


def test_allowed_index_is_reachable_through_the_proxy(index: SimpleIndex, proxy: tuple) -> None:
    running, lines = proxy
    response = httpx.get(f"{index.url}leakpkg/", proxy=running.url, trust_env=False)
    assert response.status_code == 200 and "leakpkg-1.0-py3-none-any.whl" in response.text
    assert lines == [f"egress allowed: GET 127.0.0.1:{index.port}"]
    assert index.hits == ["/simple/leakpkg/"]


def test_connect_tunnel_to_an_allowed_host(index: SimpleIndex, proxy: tuple) -> None:
    running, lines = proxy
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    conn.set_tunnel("127.0.0.1", index.port)
    conn.request("GET", "/simple/leakpkg/")
    assert conn.getresponse().status == 200
    conn.close()
    assert lines == [f"egress allowed: CONNECT 127.0.0.1:{index.port}"]


def test_a_loopback_address_outside_the_allowlist_is_refused(tmp_path: Path, proxy: tuple) -> None:
    running, lines = proxy
    other = SimpleIndex(tmp_path / "other", host="127.0.0.2")
    with other.serving():
        response = httpx.get(f"{other.url}x/", proxy=running.url, trust_env=False)
        conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
        conn.set_tunnel("127.0.0.2", other.port)
        with pytest.raises(OSError, match="403"):
            conn.request("GET", "/")
    assert response.status_code == 403 and "tool.shipyard.network.allow" in response.text
    assert other.hits == [], "a refused request reached the server"
    assert running.refused == ["127.0.0.2"]
    assert lines == [f"egress REFUSED: GET 127.0.0.2:{other.port}",
                     f"egress REFUSED: CONNECT 127.0.0.2:{other.port}"]


def test_a_proxy_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(NetworkPolicyError, match=f"127.0.0.1:{port}: the port is in use") as err:
            EgressProxy(Allowlist(()), port=port).start()
    assert err.value.exit_code == 14 and "proxy-port" in str(err.value)


@pytest.mark.parametrize("entry", ["https://pypi.org", "pypi.org/simple", "pypi.org:443",
                                   "bad_host!", "", "-x.org"])
def test_an_allowlist_entry_that_is_not_a_host_is_refused(entry: str) -> None:
    with pytest.raises(ConfigError, match=r"tool.shipyard.network.allow\[1\]") as err:
        NetworkConfig(allow=["pypi.org", entry])
    assert err.value.exit_code == 4


def test_wildcards_and_addresses() -> None:
    allow = Allowlist(tuple(NetworkConfig(allow=["*.githubusercontent.com", "::1", "A.org"]).allow))
    assert allow.allows("objects.githubusercontent.com") and allow.allows("[::1]")
    assert allow.allows("a.org") and not allow.allows("githubusercontent.com.evil")
    assert not allow.allows("evilgithubusercontent.com")


def test_the_sources_the_config_implies() -> None:
    default = implied_hosts(ShipyardConfig())
    assert default == ["pypi.org", "files.pythonhosted.org", "github.com",
                       "objects.githubusercontent.com", "release-assets.githubusercontent.com"]
    config = ShipyardConfig(sidecar=SidecarConfig(pbs_mirror="https://mirror.example/pbs"),
                            network=NetworkConfig(index_url="https://idx.example/simple",
                                                  allow=["extra.example"]))
    assert build_allowlist(config).entries == ("idx.example", "mirror.example", "extra.example")
    assert implied_hosts(ShipyardConfig(sidecar=SidecarConfig(pbs_mirror="host"))) == \
        ["pypi.org", "files.pythonhosted.org"]


def test_shipyards_own_downloads_go_through_the_proxy(tmp_path: Path, index: SimpleIndex,
                                                      proxy: tuple) -> None:
    import hashlib

    from shipyard.sidecar.download import Downloader

    running, lines = proxy
    wheel = next((index.root / "files").iterdir())
    url = f"http://127.0.0.1:{index.port}/files/{wheel.name}"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    got = Downloader(tmp_path / "cache", proxy=running.url).fetch(url, sha256=digest, name=wheel.name)
    assert got.read_bytes() == wheel.read_bytes()
    assert lines == [f"egress allowed: GET 127.0.0.1:{index.port}"]


def test_a_refused_https_download_is_not_retried(tmp_path: Path, proxy: tuple) -> None:
    from shipyard.sidecar.download import Downloader

    running, lines = proxy
    sleeps: list[float] = []
    downloader = Downloader(tmp_path / "cache", proxy=running.url, sleep=sleeps.append)
    with pytest.raises(NetworkPolicyError, match="the build proxy refused https://127.0.0.2:9/x"):
        downloader.fetch("https://127.0.0.2:9/x", sha256="0" * 64, name="x")
    assert sleeps == [] and lines == ["egress REFUSED: CONNECT 127.0.0.2:9"]
