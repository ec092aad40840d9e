"""Signing flat packages (``.pkg``) with the Developer ID Installer certificate, on any host.

A pkg carries its own signature, made with the *Installer* certificate (not the Application
one that signs the code inside): an RSA signature and a CMS signature over the checksum of
the package's table of contents. On macOS, ``productbuild --sign`` makes it while building
(``package.installer-identity``). Elsewhere the flat-package writer leaves the pkg unsigned
and the sign stage signs it here with rcodesign (apple-platform-py), from the
``APPLE_INSTALLER_CERTIFICATE`` (base64 .p12) and ``APPLE_INSTALLER_PASSWORD`` secrets.

The pkg is signed into a staging copy, the copy's signatures are checked by rcodesign's own
reader (table-of-contents checksum, RSA and CMS signatures all verify), and only then is it
renamed over the original; the decoded key lives in a held private folder for the duration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from shipyard import ui
from shipyard.errors import SigningError
from shipyard.fsutil import staging_dir
from shipyard.signing.keychain import INSTALLER_CERT_ENV, INSTALLER_PASSWORD_ENV

#: What rcodesign's reader must report for a pkg's table of contents.
VERIFIED = ("checksum_verifies", "rsa_signature_verifies", "cms_signature_verifies")


def installer_secrets(env: Mapping[str, str]) -> tuple[str, str] | None:
    """The installer .p12 (base64) and its password from ``env``; None when neither is set.

    Raises :class:`~shipyard.errors.CredentialsError` when only one of them is."""
    from shipyard.errors import CredentialsError

    cert, password = env.get(INSTALLER_CERT_ENV, ""), env.get(INSTALLER_PASSWORD_ENV, "")
    if not cert and not password:
        return None
    if not (cert and password):
        missing, present = ((INSTALLER_PASSWORD_ENV, INSTALLER_CERT_ENV) if cert
                            else (INSTALLER_CERT_ENV, INSTALLER_PASSWORD_ENV))
        raise CredentialsError(f"{missing} is not set but {present} is",
                               hint=f"set both {INSTALLER_CERT_ENV} (base64 of the Developer ID "
                               f"Installer .p12) and {INSTALLER_PASSWORD_ENV}")
    return cert, password


def pkg_signature(path: Path) -> dict[str, object]:
    """rcodesign's reading of ``path``'s table of contents (empty when it is not a pkg)."""
    from shipyard.signing.rcodesign import load_library

    for entry in load_library().read_signature(str(path)):
        toc = entry.get("entity", {}).get("xar_table_of_contents")
        if isinstance(toc, dict):
            return toc
    return {}


def sign_package(path: Path, secrets: tuple[str, str], *, timestamp_url: str,
                 dry_run: bool) -> None:
    """Sign the flat package ``path`` in place with the installer certificate, checked."""
    from shipyard.signing.certificate import p12_as_pem
    from shipyard.signing.keychain import decode_p12, private_file
    from shipyard.signing.rcodesign import load_library

    if dry_run:
        ui.info(f"[dry-run] would sign {path.name} with the Developer ID Installer certificate "
                f"({INSTALLER_CERT_ENV}) and check its signature")
        return
    lib = load_library()
    cert, password = secrets
    pem = p12_as_pem(decode_p12(cert, INSTALLER_CERT_ENV), password,
                     cert_env=INSTALLER_CERT_ENV, password_env=INSTALLER_PASSWORD_ENV)
    with private_file("shipyard-signing-key", "installer.pem", pem) as key, \
            staging_dir(path.parent, f"sign-{path.name}") as staging:
        signed = staging / path.name
        try:
            lib.sign(str(path), str(signed), signer=lib.Signer(pem=lib.PemKey(files=[str(key)])),
                     timestamp_url=timestamp_url)
        except lib.ApplePlatformError as exc:
            timestamping = "time-stamp" in str(exc).lower()
            raise SigningError(f"signing {path.name} failed: {exc}", hint=(
                "the timestamp server did not answer: retry, or set tool.shipyard.sign."
                "timestamp-url (timestamp = false only for builds nobody installs)")
                if timestamping else "check that the .p12 holds a Developer ID Installer "
                "certificate and its private key") from None
        toc = pkg_signature(signed)
        failed = [check for check in VERIFIED if toc.get(check) is not True]
        if failed:
            raise SigningError(f"the signature of {path.name} does not verify: "
                               + ", ".join(f"{check} is {toc.get(check)!r}" for check in failed))
        os.replace(signed, path)
    ui.info(f"signed {path.name} (Developer ID Installer; table of contents, RSA and CMS "
            "signatures verify)")
