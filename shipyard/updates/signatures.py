"""``<file>.sha256`` and ``<file>.sig`` beside artifacts and model files.

``<file>.sha256`` is one ``sha256sum`` line, ``<64 hex>  <name>\\n``, hashed in 1 MiB chunks.
``<file>.sig`` is the base64 Ed25519 signature (what ``sign_update -p`` prints) plus a newline,
made with one of two rules, chosen by the file name so signer and verifier always agree:

- ``raw`` — update archives (``.zip .dmg .pkg .tar.gz .tgz .tar.xz .aar .yaa .delta
  .bsdiff``): the signature covers the file's raw bytes, exactly Sparkle's
  ``sparkle:edSignature``.  The file is memory-mapped, never read into the process heap; the
  kernel pages it in from the page cache (reclaimable), and Ed25519 reads it twice.
- ``digest`` — every other file (model weights, tokenizers, configs): the signature covers
  the exact bytes of its ``.sha256`` line.  Hashing streams the file once in chunks, so a
  multi-GB model costs one read and a few MiB of memory, and the app verifies it on import
  with the same single pass (hash, compare to the line, check the line's signature).

``--rule raw|digest`` forces one rule for every file named (both when signing and verifying).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard.errors import IntegrityError
from shipyard.fsutil import atomic_write_text
from shipyard.updates.keys import SigningKey

ARCHIVE_SUFFIXES = (".zip", ".dmg", ".pkg", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".aar",
                    ".yaa", ".delta", ".bsdiff")
RULES = ("raw", "digest")
CHUNK = 4 << 20


def rule_for(path: Path, forced: str = "") -> str:
    """``raw`` for update archives, ``digest`` for everything else (or ``forced``)."""
    if forced:
        return forced
    return "raw" if path.name.lower().endswith(ARCHIVE_SUFFIXES) else "digest"


def sha256_line(path: Path) -> str:
    """``<hex>  <name>\\n`` of ``path``, read once in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return f"{digest.hexdigest()}  {path.name}\n"


def sign_raw(path: Path, key: SigningKey) -> bytes:
    """Ed25519 over the raw bytes, through a read-only map (an empty file maps nothing)."""
    if path.stat().st_size == 0:
        return key.sign(b"")
    with open(path, "rb") as handle, \
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped, \
            memoryview(mapped) as view:
        return key.sign(view)


def verify_raw(path: Path, signature: bytes, public_key: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    try:
        if path.stat().st_size == 0:
            verifier.verify(signature, b"")
            return True
        with open(path, "rb") as handle, \
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped, \
                memoryview(mapped) as view:
            verifier.verify(signature, view)
        return True
    except InvalidSignature:
        return False


def verify_bytes(data: bytes, signature: bytes, public_key: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
        return True
    except InvalidSignature:
        return False


@dataclass(frozen=True)
class SignedFile:
    path: Path
    rule: str
    checksum: Path
    signature: Path


def sign_file(path: Path, key: SigningKey, *, rule: str = "") -> SignedFile:
    """Write ``<file>.sha256`` and ``<file>.sig`` (each atomically) and return their paths."""
    if not path.is_file():
        raise IntegrityError(f"{path} is not a file", hint="name the files to sign")
    chosen = rule_for(path, rule)
    line = sha256_line(path)
    signature = sign_raw(path, key) if chosen == "raw" else key.sign(line.encode("utf-8"))
    checksum, sig = sidecars(path)
    atomic_write_text(checksum, line)
    atomic_write_text(sig, base64.b64encode(signature).decode("ascii") + "\n")
    return SignedFile(path, chosen, checksum, sig)


def sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + ".sha256"), path.with_name(path.name + ".sig")


def decode_signature(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise IntegrityError(f"{where} is not a base64 Ed25519 signature (64 bytes)",
                             hint="sign the file again with `shipyard sign-files`")
    return raw


def verify_file(path: Path, public_keys: Sequence[bytes], *, rule: str = "") -> str:
    """Check ``<file>.sha256`` then ``<file>.sig``; raise :class:`IntegrityError` naming the file.

    Returns the rule that was checked.  Any key of ``public_keys`` may have made the signature
    (the current key and, during a rotation, the retired one).
    """
    checksum, sig = sidecars(path)
    for needed in (path, checksum, sig):
        if not needed.is_file():
            raise IntegrityError(f"{path}: {needed.name} is missing",
                                 hint="sign it with `shipyard sign-files`")
    line = sha256_line(path)
    recorded = checksum.read_text(encoding="utf-8", errors="replace")
    if recorded.split()[:1] != line.split()[:1]:
        raise IntegrityError(f"{path}: sha256 is {line.split()[0]}, {checksum.name} says "
                             f"{(recorded.split() or ['(nothing)'])[0]}",
                             hint="the file changed after it was signed; never ship it")
    signature = decode_signature(sig.read_text(encoding="ascii", errors="replace"), str(sig))
    chosen = rule_for(path, rule)
    if chosen == "digest":
        ok = any(verify_bytes(recorded.encode("utf-8"), signature, k) for k in public_keys)
    else:
        ok = any(verify_raw(path, signature, k) for k in public_keys)
    if not ok:
        raise IntegrityError(f"{path}: the Ed25519 signature in {sig.name} does not verify "
                             f"({chosen} rule) with the given public key(s)",
                             hint="the file or its signature changed, or it was signed with "
                             "another key")
    return chosen
