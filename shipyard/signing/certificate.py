"""Check the signing certificate before any file is signed: readable, password right, in date.

A wrong APPLE_SIGNING_PASSWORD, a corrupt APPLE_SIGNING_CERTIFICATE or an expired certificate
would otherwise fail on the first file of a 50-file tree; checked up front, nothing is touched.
Messages name the secret's variable, never its value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shipyard.errors import CredentialsError
from shipyard.signing.keychain import CERT_ENV, PASSWORD_ENV
from shipyard.signing.request import SignRequest


def check_material(request: SignRequest, lib: ModuleType) -> None:
    """Raise CredentialsError (exit 10) when the request's key material cannot sign today."""
    if request.p12_path is not None:
        _check_not_expired(_p12_expiry(lib, request.p12_path, request.p12_password),
                           f"the certificate in {CERT_ENV}")
    elif request.pem_files:
        _check_pem(request.pem_files)


def _p12_expiry(lib: ModuleType, path: Path, password: str) -> dt.datetime:
    try:
        info = lib.certificates.parse_p12(path.read_bytes(), password)
    except lib.ApplePlatformError as exc:
        text = str(exc)
        if "password" in text:
            raise CredentialsError(f"{PASSWORD_ENV} does not open the .p12 in {CERT_ENV}",
                                   hint="store the password the .p12 was exported with") from None
        raise CredentialsError(f"{CERT_ENV} is not a PKCS#12 (.p12) file: {text}",
                               hint="store the output of `base64 -i certificate.p12` in the "
                               "secret") from None
    if not info.get("has_private_key", True):
        raise CredentialsError(f"the .p12 in {CERT_ENV} holds no private key",
                               hint="export the certificate together with its private key")
    return dt.datetime.fromisoformat(str(info["not_valid_after"]))


def _check_pem(files: Sequence[Path]) -> None:
    certificate = None
    has_key = False
    for path in files:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CredentialsError(f"cannot read the PEM file {path}: {exc.strerror}",
                                   hint="check tool.shipyard.sign.certificate-pem / "
                                   "private-key-pem") from None
        if b"PRIVATE KEY-----" in data:
            has_key = _load_key(path, data) or has_key
        if b"BEGIN CERTIFICATE" in data:
            certificate = _load_certificate(path, data)
    if certificate is None or not has_key:
        raise CredentialsError("the PEM files need both a private key and a certificate",
                               hint="set tool.shipyard.sign.certificate-pem and private-key-pem")
    _check_not_expired(certificate.not_valid_after_utc, f"the certificate in {files[-1]}")


def _load_key(path: Path, data: bytes) -> bool:
    try:
        serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialsError(f"{path} holds no usable private key: {exc}",
                               hint="an encrypted key must be exported without a passphrase "
                               "(keep the file secret instead)") from None
    return True


def _load_certificate(path: Path, data: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise CredentialsError(f"{path} holds no readable certificate: {exc}") from None


def _check_not_expired(not_after: dt.datetime, what: str) -> None:
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=dt.UTC)
    if not_after < dt.datetime.now(dt.UTC):
        raise CredentialsError(f"{what} expired on {not_after:%Y-%m-%d}",
                               hint="renew the Developer ID certificate and update the secret")
