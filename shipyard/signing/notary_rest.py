"""A client of Apple's notary service REST API (App Store Connect notary v2), for Linux CI.

Protocol (developer.apple.com "Submitting software for notarization over the web"):

1. ``POST /notary/v2/submissions`` with ``{"submissionName", "sha256"}`` → the submission id and
   temporary S3 credentials (``awsAccessKeyId``, ``awsSecretAccessKey``, ``awsSessionToken``,
   ``bucket``, ``object``);
2. upload the file to that bucket/object (an S3 PUT signed with AWS Signature Version 4);
3. ``GET /notary/v2/submissions/{id}`` until ``status`` is not ``In Progress``;
4. ``GET /notary/v2/submissions/{id}/logs`` → ``developerLogUrl``, the JSON log with ``issues``.

Every request carries an ES256 JWT made from the team's .p8 key (``aud: appstoreconnect-v1``,
at most 20 minutes of validity); a fresh one is made when the old one is near expiry.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from shipyard.errors import ConfigError, CredentialsError, NotarizationError
from shipyard.userinput import parse_json

AUDIENCE = "appstoreconnect-v1"
MAX_TOKEN_SECONDS = 20 * 60
DEFAULT_S3_ENDPOINT = "https://{bucket}.s3.us-west-2.amazonaws.com"
S3_REGION = "us-west-2"
CHUNK = 1 << 20
MAX_BACKOFF = 60.0


# ------------------------------------------------------------------------------ JWT
def load_p8(path: Path) -> ec.EllipticCurvePrivateKey:
    """Read an App Store Connect API key (PKCS#8 PEM of a P-256 key)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the App Store Connect API key {path}: {exc}",
                          hint="download the .p8 from App Store Connect → Users and Access → Keys"
                          ) from None
    return load_p8_bytes(data, str(path))


def load_p8_bytes(data: bytes, source: str) -> ec.EllipticCurvePrivateKey:
    """An App Store Connect API key from its PEM bytes; ``source`` names where they came from
    (a path, or the environment variable) in errors, which never show the key."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise ConfigError(f"cannot read the App Store Connect API key from {source}: not a PEM "
                          "private key",
                          hint="download the .p8 from App Store Connect → Users and Access → Keys"
                          ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigError(f"{source} is not an ES256 (P-256) private key")
    return key


def make_jwt(key: ec.EllipticCurvePrivateKey, *, key_id: str, issuer: str, now: float,
             lifetime: int = MAX_TOKEN_SECONDS) -> str:
    """An ES256 JWT for the App Store Connect API (signature is raw r||s, not DER)."""
    lifetime = min(lifetime, MAX_TOKEN_SECONDS)
    header = {"alg": "ES256", "kid": key_id, "typ": "JWT"}
    claims = {"iss": issuer, "iat": int(now), "exp": int(now) + lifetime, "aud": AUDIENCE}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    der = key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ------------------------------------------------------------------------------ S3 upload
@dataclass(frozen=True)
class UploadTarget:
    """Where Apple asked for the file, with temporary credentials (never logged)."""

    bucket: str
    key: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


def sigv4_headers(target: UploadTarget, url: str, payload_sha256: str, *, when: dt.datetime,
                  region: str = S3_REGION) -> dict[str, str]:
    """Headers of an S3 PUT signed with AWS Signature Version 4 (unsigned query, one chunk)."""
    parts = urlsplit(url)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    headers = {"host": parts.netloc, "x-amz-content-sha256": payload_sha256,
               "x-amz-date": amz_date, "x-amz-security-token": target.session_token}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["PUT", quote(parts.path or "/", safe="/-_.~"), "",
                           *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed,
                           payload_sha256])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + target.secret_access_key).encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={target.access_key_id}/{scope}, "
                                f"SignedHeaders={signed}, Signature={signature}")
    return headers


# ------------------------------------------------------------------------------ client
@dataclass
class NotaryClient:
    """One API key's session with the notary service."""

    base_url: str
    key: ec.EllipticCurvePrivateKey
    key_id: str
    issuer: str
    s3_endpoint: str = DEFAULT_S3_ENDPOINT
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=120))
    clock: Callable[[], float] = time.time
    #: Called with every secret the client learns (tokens, S3 keys) so logs can mask them.
    on_secret: Callable[[str], None] = lambda _secret: None
    #: Retries of one request after a 5xx answer or a connection error, waiting
    #: ``backoff * 2**n`` seconds (capped at MAX_BACKOFF) before retry ``n + 1``.
    retries: int = 4
    backoff: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    #: Told each retry, as one line ("retry 1/4 in 2s: HTTP 503 …"), so a wait is never silent.
    on_retry: Callable[[str], None] = lambda _line: None
    _token: tuple[str, float] = ("", 0.0)

    def token(self) -> str:
        now = self.clock()
        if now > self._token[1] - 60:
            value = make_jwt(self.key, key_id=self.key_id, issuer=self.issuer, now=now)
            self.on_secret(value)
            self._token = (value, now + MAX_TOKEN_SECONDS)
        return self._token[0]

    def _api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = self.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.token()}"}
        response = self._send(method, url, headers=headers, **kwargs)
        return _json_body(response, url)

    def _send(self, method: str, url: str, *, body: Callable[[], Iterator[bytes]] | None = None,
              **kwargs: Any) -> httpx.Response:
        """One request, retried on 5xx answers and connection errors (bounded, each retry
        announced); ``body`` makes a fresh upload stream for every attempt."""
        for attempt in range(self.retries + 1):
            failure = ""
            try:
                if body is not None:
                    kwargs["content"] = body()
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                failure = f"cannot reach the notary service at {url}: {exc}"
            else:
                if response.status_code < 500:
                    return self._judged(method, url, response)
                failure = f"{method} {url} failed: HTTP {response.status_code}: {response.text[:200]}"
            if attempt == self.retries:
                raise NotarizationError(
                    f"{failure} (gave up after {self.retries + 1} attempts)",
                    hint="the service or the network is down; the submission id (if any) is saved "
                    "beside the artifact: `shipyard notarize --resume` continues later")
            delay = min(self.backoff * 2 ** attempt, MAX_BACKOFF)
            self.on_retry(f"retry {attempt + 1}/{self.retries} in {delay:g}s: {failure}")
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _judged(self, method: str, url: str, response: httpx.Response) -> httpx.Response:
        if response.status_code in (401, 403):
            raise CredentialsError(
                f"the notary service refused the API key {self.key_id} (HTTP {response.status_code})",
                hint="check api-key-id, api-issuer and that the key has the Developer role")
        if response.status_code >= 400:
            raise NotarizationError(f"{method} {url} failed: HTTP {response.status_code}: "
                                    f"{response.text[:300]}")
        return response

    def create(self, name: str, sha256: str) -> tuple[str, UploadTarget]:
        data = self._api("POST", "/notary/v2/submissions",
                         json={"submissionName": name, "sha256": sha256})["data"]
        attrs = data["attributes"]
        target = UploadTarget(bucket=attrs["bucket"], key=attrs["object"],
                              access_key_id=attrs["awsAccessKeyId"],
                              secret_access_key=attrs["awsSecretAccessKey"],
                              session_token=attrs["awsSessionToken"])
        self.on_secret(target.secret_access_key)
        self.on_secret(target.session_token)
        return str(data["id"]), target

    def upload(self, target: UploadTarget, path: Path, sha256: str) -> None:
        base = self.s3_endpoint.format(bucket=target.bucket).rstrip("/")
        url = f"{base}/{quote(target.key, safe='/-_.~')}"
        headers = sigv4_headers(target, url, sha256, when=dt.datetime.fromtimestamp(
            self.clock(), dt.UTC))
        headers.pop("host")
        headers["content-length"] = str(path.stat().st_size)
        self._send("PUT", url, headers=headers, body=lambda: _chunks(path))

    def status(self, submission_id: str) -> dict[str, Any]:
        data = self._api("GET", f"/notary/v2/submissions/{quote(submission_id)}")["data"]
        return dict(data.get("attributes") or {})

    def log(self, submission_id: str) -> dict[str, Any]:
        data = self._api("GET", f"/notary/v2/submissions/{quote(submission_id)}/logs")["data"]
        url = data["attributes"]["developerLogUrl"]
        return _json_body(self._send("GET", url), url)  # a pre-signed URL: no token sent


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _json_body(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        body: dict[str, Any] = parse_json(response.content, expect=dict)
    except ValueError as exc:
        raise NotarizationError(f"{url} answered with something shipyard cannot read ({exc}): "
                                f"{response.text[:200]!r}") from None
    return body
