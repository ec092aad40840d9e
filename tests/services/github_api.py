"""A loopback stand-in for the GitHub Releases REST endpoints shipyard uses.

Implements, as documented at docs.github.com/rest/releases: ``GET /repos/{o}/{r}/releases/tags/{tag}``,
``POST /repos/{o}/{r}/releases``, ``GET /repos/{o}/{r}/releases/{id}/assets`` (paginated),
``GET /repos/{o}/{r}/releases/assets/{id}`` (octet-stream download) and the upload endpoint
``POST /repos/{o}/{r}/releases/{id}/assets?name=`` named by the release's ``upload_url``.
Requests without ``Authorization: Bearer <token>`` get 401; an existing asset name gets 422.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class GitHubState:
    token: str
    releases: list[dict[str, Any]] = field(default_factory=list)
    assets: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[int, bytes] = field(default_factory=dict)
    #: (method, path) of every request, in order.
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: Authorization headers seen (to prove the token is sent only there).
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def uploads(self) -> list[str]:
        return [p for m, p in self.requests if m == "POST" and "/assets" in p]


class GitHubApiServer:
    """``with GitHubApiServer(token) as gh: gh.url`` — serves until the block ends."""

    def __init__(self, token: str) -> None:
        self.state = GitHubState(token=token)
        handler = type("Handler", (_Handler,), {"state": self.state, "lock": threading.Lock()})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        handler.base = self.url  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> GitHubApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_asset(self, tag: str, name: str, data: bytes) -> None:
        """Pre-populate a release asset (for conflict tests)."""
        release = next((r for r in self.state.releases if r["tag_name"] == tag), None)
        if release is None:
            release = _Handler.make_release(self.state, self.url, "o/r", {"tag_name": tag})
        _Handler.make_asset(self.state, self.url, release["id"], name, data)


class _Handler(BaseHTTPRequestHandler):
    state: GitHubState
    lock: threading.Lock
    base: str

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.state.token}":
            return True
        self._send(401, {"message": "Bad credentials"})
        return False

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    @staticmethod
    def make_release(state: GitHubState, base: str, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        rid = state.new_id()
        release = {"id": rid, "tag_name": payload["tag_name"], "name": payload.get("name"),
                   "body": payload.get("body", ""), "prerelease": bool(payload.get("prerelease")),
                   "draft": bool(payload.get("draft")),
                   "upload_url": f"{base}/repos/{repo}/releases/{rid}/assets{{?name,label}}"}
        state.releases.append(release)
        state.assets[rid] = []
        return release

    @staticmethod
    def make_asset(state: GitHubState, base: str, rid: int, name: str, data: bytes) -> dict[str, Any]:
        aid = state.new_id()
        asset = {"id": aid, "name": name, "size": len(data), "state": "uploaded",
                 "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
                 "browser_download_url": f"{base}/download/{rid}/{name}"}
        state.assets[rid].append(asset)
        state.blobs[aid] = data
        return asset

    def do_GET(self) -> None:
        url = urlparse(self.path)
        with self.lock:
            self.state.requests.append(("GET", url.path))
        if not self._authorized():
            return
        if m := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/tags/(.+)", url.path):
            found = [r for r in self.state.releases if r["tag_name"] == m.group(1)]
            self._send(200, found[0]) if found else self._send(404, {"message": "Not Found"})
        elif m := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/(\d+)/assets", url.path):
            query = parse_qs(url.query)
            per_page, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
            assets = self.state.assets.get(int(m.group(1)), [])
            self._send(200, assets[(page - 1) * per_page: page * per_page])
        elif m := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/assets/(\d+)", url.path):
            blob = self.state.blobs.get(int(m.group(1)))
            if blob is None:
                self._send(404, {"message": "Not Found"})
            else:
                self._send(200, blob, "application/octet-stream")
        else:
            self._send(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        with self.lock:
            self.state.requests.append(("POST", url.path))
        if not self._authorized():
            return
        body = self._body()
        with self.lock:
            if m := re.fullmatch(r"/repos/([^/]+/[^/]+)/releases", url.path):
                payload = json.loads(body)
                if any(r["tag_name"] == payload["tag_name"] for r in self.state.releases):
                    self._send(422, {"message": "Validation Failed: already_exists"})
                    return
                self._send(201, self.make_release(self.state, self.base, m.group(1), payload))
            elif m := re.fullmatch(r"/repos/[^/]+/[^/]+/releases/(\d+)/assets", url.path):
                name = parse_qs(url.query).get("name", [""])[0]
                rid = int(m.group(1))
                if not name or rid not in self.state.assets:
                    self._send(404, {"message": "Not Found"})
                elif any(a["name"] == name for a in self.state.assets[rid]):
                    self._send(422, {"message": "Validation Failed: already_exists"})
                else:
                    self._send(201, self.make_asset(self.state, self.base, rid, name, body))
            else:
                self._send(404, {"message": "Not Found"})
