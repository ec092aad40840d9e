"""``shipyard verify-appcast URL|FILE``: every enclosure against its archive, versions in order.

Each enclosure (full archive and delta) is fetched — from a directory of archives given with
``--archives`` or from its URL — streamed to a temporary file, and checked: its length must
equal ``length`` and its Ed25519 signature over the raw bytes must verify with one of the
public keys.  With a key ring, a retired key vouches only for items published before it was
retired (so an old item keeps verifying after a rotation, and a new one must use the new key).
Versions must strictly decrease from the first item to the last, as Sparkle compares them.
"""

from __future__ import annotations

import base64
import binascii
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path

from shipyard import ui
from shipyard.errors import IntegrityError, ShipyardError
from shipyard.fsutil import staging_dir, system_temp_dir
from shipyard.updates.appcast import AppcastItem, Enclosure, order_problems, parse_appcast
from shipyard.updates.keys import KeyRing, decode_public_key
from shipyard.updates.signatures import verify_raw


def download(url: str, dest: Path, *, optional: bool = False) -> Path | None:
    """Stream ``url`` into ``dest``; ``None`` on 404 when ``optional``."""
    import httpx

    try:
        with httpx.stream("GET", url, timeout=120, follow_redirects=True) as response:
            if response.status_code == 404 and optional:
                return None
            if response.status_code >= 400:
                raise IntegrityError(f"cannot download {url} ({response.status_code})")
            with open(dest, "wb") as handle:
                for chunk in response.iter_bytes(1 << 20):
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        if optional:
            return None
        raise IntegrityError(f"cannot download {url}: {exc}") from None
    return dest


def archive_name(url: str) -> str:
    """The file name an enclosure URL ends in (percent-decoded): how archives are found."""
    return os.path.basename(urllib.parse.unquote(urllib.parse.urlparse(url).path))


def _signature(enclosure: Enclosure, where: str) -> bytes:
    try:
        raw = base64.b64decode(enclosure.signature, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise IntegrityError(f"{where}: sparkle:edSignature of {enclosure.url} is missing or "
                             "not a base64 Ed25519 signature")
    return raw


def check_enclosure(enclosure: Enclosure, path: Path, keys: Sequence[bytes], where: str) -> None:
    size = path.stat().st_size
    if size != enclosure.length:
        raise IntegrityError(f"{where}: {enclosure.url} is {size} bytes, the appcast says "
                             f"length=\"{enclosure.length}\"",
                             hint="the archive changed after the appcast was made")
    signature = _signature(enclosure, where)
    if not any(verify_raw(path, signature, key) for key in keys):
        raise IntegrityError(f"{where}: the sparkle:edSignature of {enclosure.url} does not "
                             "verify with the public key(s)",
                             hint="the archive changed after signing, or another key signed it")


def check_item_signature(item: AppcastItem, path: Path, keys: Sequence[bytes], where: str) -> None:
    check_enclosure(item.enclosure, path, keys, f"{where}, version {item.version}")


@dataclass
class AppcastCheck:
    """What ``verify-appcast`` checks with: keys (plain or a ring) and where archives are."""

    keys: list[bytes] = field(default_factory=list)
    ring: KeyRing | None = None
    archives: Path | None = None
    problems: list[str] = field(default_factory=list)

    def keys_for(self, item: AppcastItem) -> list[bytes]:
        if self.ring is None:
            return self.keys
        try:
            published = parsedate_to_datetime(item.pub_date)
        except (TypeError, ValueError):
            published = None
        return self.keys + [decode_public_key(k.key, "key ring") for k in self.ring.keys
                            if published is not None and k.signed_before_rotation(published)]

    def fetch(self, enclosure: Enclosure, tmp: Path) -> Path:
        name = archive_name(enclosure.url)
        if self.archives is not None:
            local = self.archives / name
            if not local.is_file():
                raise IntegrityError(f"{enclosure.url}: {name} is not in {self.archives}")
            return local
        path = download(enclosure.url, tmp / name)
        assert path is not None
        return path


def read_source(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=60, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise ShipyardError(f"cannot fetch {source}: {exc}") from None
        if response.status_code >= 400:
            raise IntegrityError(f"cannot fetch {source} ({response.status_code})")
        return response.content
    path = Path(source)
    if not path.is_file():
        raise IntegrityError(f"appcast {source} does not exist")
    return path.read_bytes()


def verify_appcast(source: str, check: AppcastCheck) -> int:
    """Check every item; raise :class:`IntegrityError` listing each failure; return the count."""
    cast = parse_appcast(read_source(source), source)
    check.problems += order_problems(cast.items)
    with staging_dir(system_temp_dir(), "shipyard-verify-appcast") as tmp:
        for item in cast.items:
            keys = check.keys_for(item)
            for enclosure in (item.enclosure, *item.deltas):
                where = f"version {item.version}" + (
                    f" delta from {enclosure.delta_from}" if enclosure.delta_from else "")
                try:
                    check_enclosure(enclosure, check.fetch(enclosure, tmp), keys, where)
                    ui.info(f"ok: {where}: {archive_name(enclosure.url)}")
                except IntegrityError as exc:
                    check.problems.append(exc.message)
    if check.problems:
        raise IntegrityError(f"appcast {source} failed verification:\n  - "
                             + "\n  - ".join(check.problems))
    return len(cast.items)
