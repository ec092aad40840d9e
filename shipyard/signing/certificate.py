"""Check the signing certificate before any file is signed: readable, password right, in date.

A wrong APPLE_SIGNING_PASSWORD, a corrupt APPLE_SIGNING_CERTIFICATE or an expired certificate
would otherwise fail on the first file of a 50-file tree; checked up front, nothing is touched.
The .p12 is opened here with ``cryptography`` (every encryption OpenSSL and Keychain Access
export, where the signing library reads only some) and handed on as PEM.  Messages name the
secret's variable, never its value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from shipyard.errors import CredentialsError
from shipyard.signing.keychain import CERT_ENV, PASSWORD_ENV
from shipyard.userinput import open_regular


def p12_as_pem(data: bytes, password: str, *, cert_env: str = CERT_ENV,
               password_env: str = PASSWORD_ENV) -> bytes:
    """The .p12's private key and certificate as one PEM bundle (key first), checked; errors
    name the secrets it came from (``cert_env``, ``password_env``)."""
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, password.encode() or None)
    except ValueError as exc:
        if "password" in str(exc).lower():
            raise CredentialsError(f"{password_env} does not open the .p12 in {cert_env}",
                                   hint="store the password the .p12 was exported with") from None
        raise CredentialsError(f"{cert_env} is not a PKCS#12 (.p12) file",
                               hint="store the output of `base64 -i certificate.p12` in the "
                               "secret") from None
    if key is None or cert is None:
        raise CredentialsError(f"the .p12 in {cert_env} lacks its private key or certificate",
                               hint="export the certificate together with its private key")
    _check_not_expired(cert, f"the certificate in {cert_env}")
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return pem_key + cert.public_bytes(serialization.Encoding.PEM)


def check_pem_files(files: Sequence[Path]) -> None:
    """Raise CredentialsError (exit 10) unless ``files`` hold a usable key and a valid certificate."""
    if not files:
        return
    certificate, has_key = None, False
    for path in files:
        try:
            with open_regular(path) as handle:  # never waits on a FIFO, never reads a device
                data = handle.read()
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
    _check_not_expired(certificate, f"the certificate in {files[-1]}")


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


def _check_not_expired(certificate: x509.Certificate, what: str) -> None:
    not_after = certificate.not_valid_after_utc
    if not_after < dt.datetime.now(dt.UTC):
        raise CredentialsError(f"{what} expired on {not_after:%Y-%m-%d}",
                               hint="renew the Developer ID certificate and update the secret")
