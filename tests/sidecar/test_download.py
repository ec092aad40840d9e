"""Downloads against a loopback server: resume with Range, retries, cache by hash, no credentials."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shipyard.errors import IntegrityError
from shipyard.sidecar.download import Downloader

BODY = bytes(range(256)) * 4000  # ~1 MB
DIGEST = hashlib.sha256(BODY).hexdigest()


class Server(ThreadingHTTPServer):
    script: list[str]
    seen: list[dict[str, str]]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.seen.append(dict(self.headers))
        action = self.server.script.pop(0) if self.server.script else "ok"
        if action == "503":
            self.send_response(503)
            self.end_headers()
            return
        start = int(self.headers.get("Range", "bytes=0-")[6:].rstrip("-") or 0)
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(BODY) - start))
        self.end_headers()
        if action == "drop":  # send half, then hang up
            self.wfile.write(BODY[start:len(BODY) // 2])
            self.wfile.flush()
            self.connection.close()
            return
        self.wfile.write(BODY[start:])


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(("127.0.0.1", 0), Handler)
    srv.script, srv.seen = [], []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def url(srv: Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/tag/asset.tar.gz"


def downloader(tmp_path: Path) -> Downloader:
    return Downloader(tmp_path / "cache", retries=3, backoff=0.0, sleep=lambda _: None)


def test_resume_after_a_dropped_connection(server: Server, tmp_path: Path) -> None:
    server.script = ["drop", "ok"]
    path = downloader(tmp_path).fetch(url(server), sha256=DIGEST, name="asset.tar.gz")
    assert path.read_bytes() == BODY and path.name == DIGEST
    assert "Range" not in server.seen[0]
    assert server.seen[1]["Range"] == f"bytes={len(BODY) // 2}-"


def test_retries_server_errors_then_uses_the_cache(server: Server, tmp_path: Path) -> None:
    server.script = ["503", "503", "ok"]
    dl = downloader(tmp_path)
    dl.fetch(url(server), sha256=DIGEST, name="asset.tar.gz")
    assert len(server.seen) == 3
    dl.fetch(url(server), sha256=DIGEST, name="asset.tar.gz")
    assert len(server.seen) == 3  # cache hit by hash: no request


def test_gives_up_after_the_retries(server: Server, tmp_path: Path) -> None:
    server.script = ["503"] * 10
    with pytest.raises(Exception, match="failed after 4 attempts"):
        downloader(tmp_path).fetch(url(server), sha256=DIGEST, name="asset.tar.gz")


def test_mismatch_is_not_cached(server: Server, tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="lock file pins"):
        downloader(tmp_path).fetch(url(server), sha256="0" * 64, name="asset.tar.gz")
    assert not list((tmp_path / "cache").rglob("sha256/*"))
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_no_credentials_reach_a_mirror(server: Server, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login me password hunter2\n")
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    downloader(tmp_path).fetch(url(server), sha256=DIGEST, name="asset.tar.gz")
    headers = {k.lower(): v for k, v in server.seen[0].items()}
    assert "authorization" not in headers
    assert not any("ghp_secret" in v or "hunter2" in v for v in headers.values())
