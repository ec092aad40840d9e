"""What a signing engine is asked to do and what it reports: the types both the engines in
``shipyard.signing`` and the signer plugins use, kept below both so neither imports the other
upward.  ``shipyard.plugins`` re-exports them for third-party signers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The identity that means "ad-hoc": a signature with no certificate (runs on Apple Silicon,
#: is not accepted by Gatekeeper).
ADHOC_IDENTITY = "-"
#: Apple's timestamp server; ``none`` asks for no timestamp (tests, offline hosts).
APPLE_TIMESTAMP_URL = "http://timestamp.apple.com/ts01"


@dataclass(frozen=True, kw_only=True)
class SignRequest:
    """Sign one tree (or a single file) inside-out."""

    root: Path
    identity: str
    keychain: str = ""
    #: Bundle-relative fnmatch pattern → entitlement keys (applied to executables only).
    entitlement_rules: Sequence[tuple[str, Sequence[str]]] = ()
    timestamp: bool = True
    hardened_runtime: bool = True
    jobs: int = 0
    #: Engines that sign without a keychain (rcodesign): PEM files holding the private key and
    #: the certificate (the configured ones, or the .p12 secret decoded into a private folder).
    pem_files: Sequence[Path] = ()
    #: Timestamp server when ``timestamp`` is true (``none`` disables it).
    timestamp_url: str = APPLE_TIMESTAMP_URL
    #: Identifiers of bare Mach-O files are ``<prefix>.<file stem>`` (just the stem when empty).
    identifier_prefix: str = ""

    @property
    def adhoc(self) -> bool:
        return self.identity in ("", ADHOC_IDENTITY) and not self.pem_files


@dataclass(frozen=True, kw_only=True)
class SignReport:
    """What a signer signed, in order, and what failed verification."""

    signed: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    verify_failures: list[tuple[Path, str]] = field(default_factory=list)
