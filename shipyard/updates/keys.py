"""Sparkle's EdDSA (Ed25519) keys: the private seed, the public key and the public key ring.

Formats are Sparkle's own, so keys move freely between shipyard and Sparkle's tools:

- private key: base64 of the 32-byte Ed25519 seed (what ``generate_keys -x`` exports and
  ``sign_update --ed-key-file`` reads), from a file or the ``SPARKLE_PRIVATE_KEY`` variable;
- public key: base64 of the 32-byte key, the ``SUPublicEDKey`` value of the app's Info.plist.

The private key is never printed, logged or put in an error message: errors name where the
key came from (a path or a variable name) and what is wrong with it, never its text.

The key ring (``sparkle-keys.json``, public keys only, meant to be committed) lists the
current key and the keys retired by ``shipyard keys rotate``, each with the moment it was
retired and how long it stays listed.  An item signed before a rotation keeps verifying with
the old key; anything signed after it must verify with the new one.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.errors import ConfigError, CredentialsError, ShipyardError
from shipyard.fsutil import atomic_write_text
from shipyard.userinput import read_json, read_regular_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ENV_PRIVATE_KEY = "SPARKLE_PRIVATE_KEY"
KEY_BYTES = 32
#: Sparkle's keys made before 2.0 keep a 64-byte expanded key + 32-byte public key.
OLD_FORMAT_BYTES = 96
RING_SCHEMA = 1


class SigningKey:
    """An Ed25519 private key loaded from ``source`` (a path or variable name, for messages)."""

    def __init__(self, seed: bytes, source: str) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key: Ed25519PrivateKey = Ed25519PrivateKey.from_private_bytes(seed)
        self.source = source

    def __repr__(self) -> str:  # never the seed, even in a debugger or traceback
        return f"SigningKey(source={self.source!r}, public={self.public_b64})"

    @property
    def public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        """The ``SUPublicEDKey`` value."""
        return base64.b64encode(self.public_bytes).decode("ascii")

    def sign(self, data: bytes | memoryview | Any) -> bytes:
        """The 64-byte Ed25519 signature of ``data`` (any buffer: bytes, memoryview, mmap)."""
        return self._key.sign(data)

    def private_text(self) -> str:
        """The key file's text (base64 seed); only ever written to a key file."""
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )

        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return base64.b64encode(seed).decode("ascii") + "\n"


def new_signing_key(source: str) -> SigningKey:
    return SigningKey(os.urandom(KEY_BYTES), source)


def decode_private_key(text: str, source: str) -> SigningKey:
    """Decode Sparkle's private key text; errors say what is wrong, never show the text."""
    stripped = text.strip()
    if not stripped:
        raise CredentialsError(f"the Sparkle private key from {source} is empty",
                               hint="generate one with `shipyard keys generate`")
    try:
        raw = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raise CredentialsError(
            f"the Sparkle private key from {source} is not base64 text",
            hint="it must be base64 of the 32-byte Ed25519 seed, as `shipyard keys generate` "
            "and Sparkle's `generate_keys -x` write it") from None
    if len(raw) == OLD_FORMAT_BYTES:
        raise CredentialsError(
            f"the Sparkle private key from {source} is in Sparkle's pre-2.0 format (96 bytes: an "
            "expanded key, not a seed), which only Sparkle's own tools can sign with",
            hint="rotate to a new key: `shipyard keys rotate` (old and new keys stay listed "
            "during the transition)")
    if len(raw) != KEY_BYTES:
        raise CredentialsError(
            f"the Sparkle private key from {source} decodes to {len(raw)} bytes, not "
            f"{KEY_BYTES} (truncated or not an Ed25519 seed)",
            hint="copy the whole key again, or generate one with `shipyard keys generate`")
    return SigningKey(raw, source)


def decode_public_key(text: str, source: str) -> bytes:
    """``SUPublicEDKey`` text → the 32 raw bytes."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise CredentialsError(
            f"public key {source} is not base64 of a 32-byte Ed25519 key",
            hint="use the SUPublicEDKey value `shipyard keys show` prints")
    return raw


def read_private_key(*, key_file: Path | None, env: Mapping[str, str]) -> SigningKey:
    """The key from ``key_file`` when given, else from ``SPARKLE_PRIVATE_KEY``."""
    if key_file is not None:
        try:
            text = read_regular_text(key_file)  # never waits on a FIFO, never reads a device
        except FileNotFoundError:
            raise CredentialsError(f"Sparkle private key file {key_file} does not exist",
                                   hint="create it with `shipyard keys generate`") from None
        except (OSError, UnicodeDecodeError) as exc:  # the reason, never the file's bytes
            reason = exc.strerror if isinstance(exc, OSError) else None
            raise CredentialsError(f"cannot read Sparkle private key file {key_file}: "
                                   f"{reason or type(exc).__name__}") from None
        return decode_private_key(text, str(key_file))
    text = env.get(ENV_PRIVATE_KEY, "")
    if not text:
        raise CredentialsError(
            f"no Sparkle private key: {ENV_PRIVATE_KEY} is not set and no key file is configured",
            hint=f"export {ENV_PRIVATE_KEY}=… (never logged), set tool.shipyard.updates."
            "private-key-file, or pass --key-file")
    return decode_private_key(text, ENV_PRIVATE_KEY)


def write_private_key(path: Path, key: SigningKey) -> None:
    """Write a new key file (mode 0600); an existing file is never overwritten."""
    if path.exists():
        raise ConfigError(f"{path} already exists; a key file is never overwritten",
                          hint="choose another path, or `shipyard keys rotate` to replace a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.private_text())


# ------------------------------------------------------------------------------ key ring
@dataclass(frozen=True, kw_only=True)
class PublicKey:
    """One entry of the ring; ``retired`` is empty for the current key."""

    key: str
    created: str
    retired: str = ""
    listed_until: str = ""

    def signed_before_rotation(self, when: datetime) -> bool:
        """A retired key still vouches for what was published before it was retired."""
        return not self.retired or when <= parse_time(self.retired)


@dataclass
class KeyRing:
    """``sparkle-keys.json``: the public keys an appcast's signatures may use."""

    path: Path
    keys: list[PublicKey] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        if not path.exists():
            return cls(path)
        try:
            data = read_json(path)
            keys = [PublicKey(key=k["public-key"], created=k.get("created", ""),
                              retired=k.get("retired", ""), listed_until=k.get("listed-until", ""))
                    for k in data["keys"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ShipyardError(f"public key ring {path} is unreadable: {exc}",
                                hint="restore it from version control") from None
        for entry in keys:
            decode_public_key(entry.key, f"{entry.key[:12]}… in {path}")
        return cls(path, keys)

    @property
    def current(self) -> PublicKey | None:
        return next((k for k in self.keys if not k.retired), None)

    def listed(self, now: datetime) -> list[PublicKey]:
        """The current key and every retired key still inside its transition."""
        return [k for k in self.keys if not k.listed_until or now <= parse_time(k.listed_until)]

    def rotate_to(self, new_public: str, now: datetime, transition_days: int) -> None:
        until = now + timedelta(days=transition_days)
        self.keys = [PublicKey(key=k.key, created=k.created, retired=format_time(now),
                               listed_until=format_time(until)) if not k.retired else k
                     for k in self.keys]
        self.keys.insert(0, PublicKey(key=new_public, created=format_time(now)))

    def save(self) -> None:
        body = {"schema": RING_SCHEMA, "keys": [
            {"public-key": k.key, "created": k.created,
             **({"retired": k.retired, "listed-until": k.listed_until} if k.retired else {})}
            for k in self.keys]}
        atomic_write_text(self.path, json.dumps(body, indent=2) + "\n")


def format_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def now_utc() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible appcasts and key rings)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)
