"""A loopback stand-in for Apple's notary v2 API and the S3 bucket it hands out.

It follows the documented API ("Submitting software for notarization over the web"):
``POST /notary/v2/submissions`` → id + temporary S3 credentials; ``PUT /<bucket>/<object>``
(SigV4-signed, checked here with the issued secret); ``GET /notary/v2/submissions/{id}`` → one
"In Progress" answer, then the verdict; ``GET …/logs`` → ``developerLogUrl``.  Every API call
must carry a valid ES256 JWT for ``appstoreconnect-v1`` living at most 20 minutes.
Submissions whose name contains ``reject`` come back Invalid with issues.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from shipyard.signing.notary_rest import UploadTarget, sigv4_headers

ISSUES = [{"severity": "error", "code": None, "path": "app.zip/MLXR.app/Contents/MacOS/MLXR",
           "message": "The executable does not have the hardened runtime enabled.",
           "docUrl": None, "architecture": "arm64"}]


@dataclass
class Submission:
    name: str
    sha256: str
    target: UploadTarget
    uploaded: bool = False
    polls: int = 0


@dataclass
class NotaryState:
    public_key: ec.EllipticCurvePublicKey
    key_id: str
    issuer: str
    submissions: dict[str, Submission] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""
    #: method → answers given before serving it normally: an HTTP status (5xx), or 0 to drop
    #: the connection without answering (a network failure).
    outages: dict[str, list[int]] = field(default_factory=dict)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_jwt(state: NotaryState, header: str) -> str:
    """Empty when the bearer token is valid, else why not."""
    if not header.startswith("Bearer "):
        return "no bearer token"
    head_b64, claims_b64, sig_b64 = header[7:].split(".")
    head, claims = json.loads(_unb64(head_b64)), json.loads(_unb64(claims_b64))
    if head != {"alg": "ES256", "kid": state.key_id, "typ": "JWT"}:
        return f"bad header {head}"
    if claims.get("aud") != "appstoreconnect-v1" or claims.get("iss") != state.issuer:
        return f"bad claims {claims}"
    if not 0 < claims["exp"] - claims["iat"] <= 1200:
        return "token lifetime over 20 minutes"
    raw = _unb64(sig_b64)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        state.public_key.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "bad signature"
    return ""


class Handler(BaseHTTPRequestHandler):
    state: NotaryState

    def log_message(self, *args: Any) -> None:
        pass

    def reply(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def outage(self, method: str) -> bool:
        """Answer with the next scripted failure for ``method``; True when one was used."""
        pending = self.state.outages.get(method) or []
        if not pending:
            return False
        code = pending.pop(0)
        self.state.requests.append((method, f"{self.path} (outage {code})"))
        if self.headers.get("Content-Length"):
            self.rfile.read(int(self.headers["Content-Length"]))
        if code == 0:
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            self.reply(code, {"errors": [{"status": str(code), "detail": "service unavailable"}]})
        return True

    def authorized(self) -> bool:
        why = check_jwt(self.state, self.headers.get("Authorization", ""))
        if why:
            self.reply(401, {"errors": [{"status": "401", "detail": why}]})
        return not why

    def do_POST(self) -> None:  # noqa: N802
        if self.outage("POST"):
            return None
        self.state.requests.append(("POST", self.path))
        if self.path != "/notary/v2/submissions" or not self.authorized():
            return self.reply(404, {}) if self.path != "/notary/v2/submissions" else None
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        sub_id = str(uuid.uuid4())
        target = UploadTarget(bucket="notary-submissions-test", key=f"prod/{sub_id}",
                              access_key_id="ASIA" + secrets.token_hex(8),
                              secret_access_key=secrets.token_hex(20),
                              session_token=secrets.token_hex(32))
        self.state.submissions[sub_id] = Submission(body["submissionName"], body["sha256"], target)
        self.reply(200, {"data": {"id": sub_id, "type": "newSubmissions", "attributes": {
            "awsAccessKeyId": target.access_key_id, "awsSecretAccessKey": target.secret_access_key,
            "awsSessionToken": target.session_token, "bucket": target.bucket,
            "object": target.key}}, "meta": {}})

    def do_PUT(self) -> None:  # noqa: N802
        if self.outage("PUT"):
            return None
        self.state.requests.append(("PUT", self.path))
        sub = next((s for s in self.state.submissions.values()
                    if self.path == f"/{s.target.bucket}/{s.target.key}"), None)
        if sub is None:
            return self.reply(404, {"error": "NoSuchBucket"})
        body = self.rfile.read(int(self.headers["Content-Length"]))
        digest = hashlib.sha256(body).hexdigest()
        when = dt.datetime.strptime(self.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        url = f"http://{self.headers['Host']}{self.path}"
        expected = sigv4_headers(sub.target, url, digest, when=when)["authorization"]
        if self.headers.get("Authorization") != expected or digest != sub.sha256:
            return self.reply(403, {"error": "SignatureDoesNotMatch"})
        sub.uploaded = True
        self.reply(200, {})

    def do_GET(self) -> None:  # noqa: N802
        if self.outage("GET"):
            return None
        self.state.requests.append(("GET", self.path))
        if self.path.startswith("/developer-log/"):
            sub_id = self.path.rsplit("/", 1)[-1]
            return self.reply(200, self.developer_log(sub_id))
        if not self.authorized():
            return None
        parts = self.path.strip("/").split("/")
        sub = self.state.submissions.get(parts[3]) if len(parts) >= 4 else None
        if sub is None:
            return self.reply(404, {"errors": [{"status": "404"}]})
        if parts[-1] == "logs":
            return self.reply(200, {"data": {"id": parts[3], "type": "submissionsLog", "attributes": {
                "developerLogUrl": f"{self.state.base_url}/developer-log/{parts[3]}"}}})
        sub.polls += 1
        self.reply(200, {"data": {"id": parts[3], "type": "submissions", "attributes": {
            "status": self.verdict(sub), "name": sub.name, "createdDate": "2026-06-13T17:00:00.000Z"}}})

    def verdict(self, sub: Submission) -> str:
        if not sub.uploaded or sub.polls < 2:
            return "In Progress"
        return "Invalid" if "reject" in sub.name else "Accepted"

    def developer_log(self, sub_id: str) -> dict[str, Any]:
        sub = self.state.submissions[sub_id]
        rejected = "reject" in sub.name
        return {"logFormatVersion": 1, "jobId": sub_id, "status": self.verdict(sub),
                "statusSummary": "Archive contains critical validation errors" if rejected
                else "Ready for distribution", "archiveFilename": sub.name, "sha256": sub.sha256,
                "issues": ISSUES if rejected else None}


class NotaryServer:
    """``with NotaryServer(public_key, key_id, issuer) as server: server.url``."""

    def __init__(self, public_key: ec.EllipticCurvePublicKey, key_id: str, issuer: str) -> None:
        self.state = NotaryState(public_key, key_id, issuer)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.state.base_url = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> NotaryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
