"""Loopback package registries for publisher tests: verdaccio (npm) and pypiserver (PyPI).

Both run as real servers on 127.0.0.1 with a free port; ``wait_until_up`` polls the health
URL (readiness, not a timing assertion).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SERVICES = Path(__file__).resolve().parent
VERDACCIO = SERVICES / "node_modules" / ".bin" / "verdaccio"
INSTALL_HINT = "npm install --prefix tests/services"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {limit}s: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def _serving(argv: list[str], health: str, workdir: Path) -> Iterator[None]:
    log = workdir / "server.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen(argv, cwd=workdir, stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_until_up(health, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def verdaccio_available() -> bool:
    return VERDACCIO.exists() and shutil.which("node") is not None


VERDACCIO_CONFIG = """storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 100
uplinks: {{}}
packages:
  '@*/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
logs: {{type: stdout, format: pretty, level: warn}}
"""


@contextmanager
def verdaccio(workdir: Path) -> Iterator[tuple[str, str]]:
    """Run verdaccio 5 on loopback; yield (registry URL, token of a fresh user)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "config.yaml"
    config.write_text(VERDACCIO_CONFIG.format(storage=workdir / "storage",
                                              htpasswd=workdir / "htpasswd"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with _serving([str(VERDACCIO), "--config", str(config), "--listen", f"127.0.0.1:{port}"],
                  f"{url}-/ping", workdir):
        response = httpx.put(f"{url}-/user/org.couchdb.user:shipyard",
                             json={"name": "shipyard", "password": "shipyard-pass-1"}, timeout=30)
        response.raise_for_status()
        yield url, str(response.json()["token"])


@contextmanager
def pypiserver(workdir: Path) -> Iterator[str]:
    """Run pypiserver (uploads without authentication) on loopback; yield its root URL."""
    packages = workdir / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    argv = [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port),
            "-a", ".", "-P", ".", "--hash-algo", "sha256", "--disable-fallback", str(packages)]
    with _serving(argv, f"{url}simple/", workdir):
        yield url


def bare_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path
