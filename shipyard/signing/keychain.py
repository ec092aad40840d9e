"""Signing credentials: where the identity comes from, and the temporary CI keychain.

The secret gate: with APPLE_DEVELOPER_ID_APP, APPLE_SIGNING_CERTIFICATE (base64 .p12)
and APPLE_SIGNING_PASSWORD, CI imports the certificate into a throw-away keychain and signs;
without them the build still runs, unsigned, and says so loudly.  The keychain and the decoded
.p12 are removed on success, on failure and on Ctrl-C.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard import ui
from shipyard.errors import CredentialsError
from shipyard.fsutil import staging_dir, sweep_build_staging, sweep_leftovers, system_temp_dir
from shipyard.tools.security import Security

CERT_ENV = "APPLE_SIGNING_CERTIFICATE"
PASSWORD_ENV = "APPLE_SIGNING_PASSWORD"
IDENTITY_ENV = "APPLE_DEVELOPER_ID_APP"
#: The Developer ID Installer certificate (base64 .p12) and its password: what signs a pkg.
INSTALLER_CERT_ENV = "APPLE_INSTALLER_CERTIFICATE"
INSTALLER_PASSWORD_ENV = "APPLE_INSTALLER_PASSWORD"
#: The temporary keychain's folder: ``<tmp>/.shipyard-keychain.<random>.shipyard.tmp``.
KEYCHAIN_PREFIX = "shipyard-keychain"
#: The keychain and decoded-secret folders of earlier versions (``.shipyard-keychain.1a2b``).
LEGACY_SECRET_FOLDERS = re.compile(r"\.shipyard-(keychain|signing-key|api-key)\.[0-9a-z]+")


def keychain_parent() -> Path:
    """Where temporary keychain folders go: the system temporary directory."""
    return system_temp_dir()



@dataclass(frozen=True)
class SigningCredentials:
    """Who signs.  ``certificate_b64`` empty means: use the identity from existing keychains."""

    identity: str
    certificate_b64: str = ""
    password: str = ""
    keychain: str = ""

    def __repr__(self) -> str:  # never show the certificate or its password
        return f"SigningCredentials(identity={self.identity!r}, p12={'yes' if self.certificate_b64 else 'no'})"

    @property
    def needs_keychain(self) -> bool:
        return bool(self.certificate_b64)


def signing_credentials(identity: str, env: Mapping[str, str], *, keychain: str = "",
                        ) -> SigningCredentials | None:
    """The credentials to sign with, or None when signing must be skipped (say why, loudly).

    ``identity`` is ``tool.shipyard.sign.identity`` (already layered with APPLE_DEVELOPER_ID_APP
    and DEVELOPER_ID).  On CI the certificate secrets are required as well: a fork's pull
    request has none, and must still build — unsigned.
    """
    cert, password = env.get(CERT_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(cert) != bool(password):
        missing = PASSWORD_ENV if cert else CERT_ENV
        raise CredentialsError(f"{missing} is not set but {CERT_ENV if cert else PASSWORD_ENV} is",
                               hint=f"set both {CERT_ENV} (base64 of the .p12) and {PASSWORD_ENV}, "
                               "or neither to build unsigned")
    if not identity:
        ui.notice("code signing SKIPPED: no signing identity (set APPLE_DEVELOPER_ID_APP or "
                  "tool.shipyard.sign.identity); artifacts are recorded as unsigned")
        return None
    if not cert and env.get("CI"):
        ui.notice(f"code signing SKIPPED: on CI without {CERT_ENV} / {PASSWORD_ENV} "
                  "(a fork's pull request has no secrets); artifacts are recorded as unsigned")
        return None
    return SigningCredentials(identity, cert, password, keychain)


@contextlib.contextmanager
def signing_keychain(security: Security, creds: SigningCredentials) -> Iterator[str]:
    """Yield the keychain to sign with: a temporary one when a .p12 is given, else the configured.

    The temporary keychain and decoded .p12 are always deleted, and the user's keychain search
    list restored, whatever happens inside the ``with`` block (exceptions, Ctrl-C).
    """
    if not creds.needs_keychain:
        yield creds.keychain
        return
    runner = security.runner
    runner.add_secret(creds.password)
    runner.add_secret(creds.certificate_b64)
    # Held by a lock file, so a build killed with the decoded .p12 inside leaves a folder the
    # next signing run removes (sweep_signing_staging), never one a live build is using.
    with staging_dir(keychain_parent(), KEYCHAIN_PREFIX) as workdir:
        keychain = str(workdir / "shipyard-signing.keychain-db")
        keychain_password = secrets.token_urlsafe(24)
        runner.add_secret(keychain_password)
        p12 = workdir / "certificate.p12"
        previous: list[str] | None = None
        try:
            if not runner.dry_run:
                write_private(p12, decode_p12(creds.certificate_b64))
            previous = _install(security, keychain, keychain_password, p12, creds.password)
            yield keychain
        finally:
            _cleanup(security, keychain, p12, workdir, previous)


#: The private folders of decoded secrets (see :func:`private_file`), swept like keychains.
SECRET_PREFIXES = ("shipyard-signing-key", "shipyard-api-key")


@contextlib.contextmanager
def private_file(prefix: str, name: str, data: bytes) -> Iterator[Path]:
    """``data`` as ``name`` in a fresh folder only this user can enter, for the block.

    The folder is a held staging directory (``<tmp>/.<prefix>.<random>``): removed on
    success, failure and Ctrl-C, and by :func:`sweep_signing_staging` after a ``kill -9``."""
    with staging_dir(keychain_parent(), prefix) as workdir:
        os.chmod(workdir, 0o700)
        path = workdir / name
        write_private(path, data)
        yield path


def sweep_signing_staging(out_dir: Path) -> None:
    """Remove what killed signing runs left: tarball staging in ``out_dir``, keychain folders
    and the folders of decoded secrets."""
    sweep_build_staging(out_dir)
    sweep_secret_folders()


def sweep_secret_folders() -> None:
    """Remove the keychain and decoded-secret folders no live process holds."""
    sweep_leftovers(keychain_parent(), legacy=LEGACY_SECRET_FOLDERS)


def _install(security: Security, keychain: str, password: str, p12: Path,
             p12_password: str) -> list[str]:
    ui.step("creating a temporary keychain for the signing certificate")
    security.create_keychain(keychain, password)
    security.set_keychain_settings(keychain)
    security.unlock_keychain(keychain, password)
    security.import_p12(p12, p12_password, keychain)
    security.set_key_partition_list(keychain, password)
    previous = security.user_keychains()
    security.set_user_keychains([keychain, *[k for k in previous if k != keychain]])
    return previous


def _cleanup(security: Security, keychain: str, p12: Path, workdir: Path,
             previous: list[str] | None) -> None:
    # Each step runs even when an earlier one fails or is interrupted.
    try:
        if previous:
            with contextlib.suppress(Exception):
                security.set_user_keychains(previous)
    finally:
        try:
            result = security.delete_keychain(keychain)
            if result.returncode != 0 and Path(keychain).exists():
                ui.warn(f"could not delete the temporary keychain {keychain}: delete it by hand")
        finally:
            with contextlib.suppress(FileNotFoundError):
                p12.unlink()
            with contextlib.suppress(OSError):
                for leftover in workdir.iterdir():
                    leftover.unlink()
                workdir.rmdir()


def decode_p12(value: str, name: str = CERT_ENV) -> bytes:
    """The .p12 bytes of the base64 secret ``name`` holds (whitespace ignored)."""
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise CredentialsError(f"{name} is not valid base64",
                               hint="store the output of `base64 -i certificate.p12` in the secret"
                               ) from None
    if not data:
        raise CredentialsError(f"{name} decodes to an empty file")
    return data


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only (never over an existing file) and write ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
