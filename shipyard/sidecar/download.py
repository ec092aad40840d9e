"""Downloads of pinned inputs: a cache keyed by sha256, retries, and resume with HTTP Range.

No credentials are ever sent: the HTTP client ignores the environment (no ``.netrc``, no
``GITHUB_TOKEN``) and sets no ``Authorization`` header, so a mirror sees nothing secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from shipyard import __version__, ui
from shipyard.errors import IntegrityError, NetworkPolicyError, ShipyardError
from shipyard.fsutil import default_cache_dir as default_cache_dir  # re-exported: its old home
from shipyard.fsutil import read_user_text, replacing, sha256_file
from shipyard.redact import redact

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class _Retry(Exception):
    """A transient failure worth another attempt."""


@dataclass
class Downloader:
    """Fetches files into a content-addressed cache (``<cache>/sha256/<hex>``)."""

    cache_dir: Path
    retries: int = 3
    backoff: float = 1.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    #: The build's egress proxy (``network.mode``); None connects directly.
    proxy: str | None = None

    def cached(self, sha256: str) -> Path | None:
        path = self.cache_dir / "sha256" / sha256
        if path.is_file() and sha256_file(path) == sha256:
            return path
        return None

    def forget(self, sha256: str) -> None:
        """Drop a cached file that was refused after download (a hostile archive)."""
        (self.cache_dir / "sha256" / sha256).unlink(missing_ok=True)

    def fetch(self, source: str, *, sha256: str, name: str) -> Path:
        """The file ``name`` with digest ``sha256``, from the cache or ``source`` (URL or path).

        Raises :class:`IntegrityError` when the bytes do not match; nothing is cached then.
        """
        hit = self.cached(sha256)
        if hit is not None:
            ui.info(f"{name}: cached ({hit})")
            return hit
        if source.startswith(("http://", "https://")):
            partial = self._download(source, name)
        else:
            partial = self._copy_local(Path(source), name)
        return self._commit(partial, sha256=sha256, name=name, source=source)

    def fetch_text(self, source: str) -> str:
        """A small text file (``SHA256SUMS``) from a URL or a path; not cached."""
        if not source.startswith(("http://", "https://")):
            path = Path(source)
            if not path.is_file():
                raise ShipyardError(f"{path} does not exist",
                                    hint="check tool.shipyard.sidecar.pbs-mirror and pbs-tag")
            return read_user_text(path, "checksum file")
        for attempt in self._attempts(source):
            with attempt, _client(self.timeout, self.proxy) as client:
                response = client.get(source)
                _raise_for(response, source)
                return response.text
        raise AssertionError("unreachable")  # pragma: no cover

    # -- internals ---------------------------------------------------------------------------
    def _partial_path(self, name: str) -> Path:
        folder = self.cache_dir / "partial"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.part"

    def _copy_local(self, path: Path, name: str) -> Path:
        if not path.is_file():
            raise ShipyardError(f"{name} is not in the mirror: {path} does not exist",
                                hint="check tool.shipyard.sidecar.pbs-mirror, pbs-version and pbs-tag")
        partial = self._partial_path(name)
        shutil.copyfile(path, partial)
        return partial

    def _download(self, url: str, name: str) -> Path:
        partial = self._partial_path(name)
        for attempt in self._attempts(url):
            with attempt:
                self._download_once(url, partial)
                return partial
        raise AssertionError("unreachable")  # pragma: no cover

    def _download_once(self, url: str, partial: Path) -> None:
        have = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with _client(self.timeout, self.proxy) as client, client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and have:  # already complete; the hash decides
                return
            _raise_for(response, url)
            resumed = response.status_code == 206
            if have and resumed:
                ui.info(f"resuming {partial.name.removesuffix('.part')} at byte {have}")
            start = have if resumed else 0
            size = int(response.headers.get("content-length") or 0)
            try:
                with open(partial, "ab" if resumed else "wb") as handle, ui.progress(
                        f"downloading {partial.name.removesuffix('.part')}", unit="bytes",
                        total=start + size if size else None) as bar:
                    bar.update(completed=start)
                    for chunk in response.iter_bytes():  # unbuffered: keep every byte received
                        handle.write(chunk)
                        bar.advance(len(chunk))
            except httpx.TransportError as exc:
                raise _Retry(f"connection lost after {partial.stat().st_size} bytes: {exc}") from None

    def _attempts(self, url: str) -> _Attempts:
        return _Attempts(url, self.retries, self.backoff, self.sleep)

    def _commit(self, partial: Path, *, sha256: str, name: str, source: str) -> Path:
        actual = sha256_file(partial)
        if actual != sha256:
            partial.unlink(missing_ok=True)
            raise IntegrityError(
                f"{name} from {redact(source)} has sha256 {actual}, but the lock file pins "
                f"{sha256}; nothing was extracted",
                hint="a corrupted or substituted download; if the release was legitimately "
                "re-published, re-pin with `shipyard sidecar lock`",
            )
        final = self.cache_dir / "sha256" / sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, final)
        return final


class _Attempts:
    """Iterate over attempts; each is a context manager turning transient errors into retries."""

    def __init__(self, url: str, retries: int, backoff: float,
                 sleep: Callable[[float], None]) -> None:
        self.url, self.retries, self.backoff, self.sleep = url, retries, backoff, sleep
        self.number = 0
        self.failed: str | None = None

    def __iter__(self) -> _Attempts:
        return self

    def __next__(self) -> _Attempt:
        if self.number > self.retries:
            raise ShipyardError(
                f"download of {redact(self.url)} failed after {self.number} attempts: "
                f"{self.failed}", hint="check the network or the mirror (SHIPYARD_PBS_MIRROR)")
        if self.number:
            delay = self.backoff * 2 ** (self.number - 1)
            ui.warn(f"{self.failed}; retrying in {delay:g}s ({self.number}/{self.retries})")
            self.sleep(delay)
        self.number += 1
        return _Attempt(self)


class _Attempt(contextlib.AbstractContextManager["_Attempt"]):
    def __init__(self, owner: _Attempts) -> None:
        self.owner = owner

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, _Retry):
            self.owner.failed = str(exc)
            return True
        if isinstance(exc, httpx.ProxyError) and "403" in str(exc):
            # Refused by the build's allowlist: retrying cannot help.
            raise NetworkPolicyError(
                f"the build proxy refused {redact(self.owner.url)}",
                hint="add its host to tool.shipyard.network.allow") from None
        if isinstance(exc, httpx.TransportError):
            self.owner.failed = f"{type(exc).__name__}: {exc}"
            return True
        return False


def _client(timeout: float, proxy: str | None = None) -> httpx.Client:
    # trust_env=False: never read .netrc or proxy credentials from the environment; the
    # build's own proxy, when there is one, is passed explicitly.
    return httpx.Client(trust_env=False, follow_redirects=True, timeout=timeout, proxy=proxy,
                        headers={"User-Agent": f"shipyard/{__version__}"})


def _raise_for(response: httpx.Response, url: str) -> None:
    if response.status_code in RETRYABLE_STATUS:
        raise _Retry(f"HTTP {response.status_code} from {redact(url)}")
    if response.status_code >= 400:
        raise ShipyardError(f"HTTP {response.status_code} from {redact(url)}",
                            hint="check tool.shipyard.sidecar.pbs-mirror, pbs-version and pbs-tag")


def hash_and_store(path: Path, cache_dir: Path) -> str:
    """Hash a trusted local file and put it into the cache; return its sha256."""
    digest = sha256_file(path)
    final = cache_dir / "sha256" / digest
    if not final.exists():
        with replacing(final) as tmp:
            shutil.copyfile(path, tmp)
    return digest


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
