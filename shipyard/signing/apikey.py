"""The App Store Connect API key (.p8) given as a secret instead of a file.

On CI the key arrives the way every other secret does, in an environment variable:
``APPLE_API_KEY`` holds the .p8 itself (its PEM text as downloaded, or the base64 of that
text, which is how a multi-line secret is often stored), or, as other release tools read it,
the path of the .p8 file. The REST notarizer reads it from there directly; ``notarytool``
needs a file, so it gets one in a private folder (mode 0700) for the duration of the command.
That folder is held like a staging directory: removed afterwards on success, failure, Ctrl-C
and SIGTERM, and by the next signing or notarizing run after a ``kill -9``.

The variable is only read for the API-key form of credentials (``api-key-id`` and
``api-issuer`` set, no ``api-key`` path): a keychain profile, an ``api-key`` path or the
Apple-ID form are used as configured, whatever the variable holds.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from shipyard.errors import CredentialsError

API_KEY_ENV = "APPLE_API_KEY"
PEM_HEADER = b"-----BEGIN PRIVATE KEY-----"
#: The private folder of a key written for notarytool (see :func:`private_file`).
API_KEY_PREFIX = "shipyard-api-key"


def api_key_from_env(env: Mapping[str, str]) -> bytes | None:
    """The PEM bytes of the key :data:`API_KEY_ENV` gives, or None when it is not set.

    Raises :class:`CredentialsError` naming the variable (never its value) when it holds
    neither a PEM private key, nor the base64 of one, nor the path of a file holding one."""
    text = env.get(API_KEY_ENV, "").strip()
    if not text:
        return None
    data = text.encode()
    if PEM_HEADER in data:
        return data
    if "\n" not in text and _is_file(text):
        data = Path(text).expanduser().read_bytes()  # the path of the .p8
        if PEM_HEADER in data:
            return data
        raise CredentialsError(f"the file {API_KEY_ENV} names is not a .p8 private key",
                               hint="download the key again from App Store Connect")
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if PEM_HEADER not in decoded:
        raise CredentialsError(f"{API_KEY_ENV} is neither the .p8 key's PEM text, nor the base64 "
                               "of it, nor the path of the .p8 file",
                               hint="store the whole AuthKey_<id>.p8 file as the secret (or "
                               "`base64 < AuthKey_<id>.p8`)")
    return decoded


def _is_file(text: str) -> bool:
    try:
        return Path(text).expanduser().is_file()
    except (OSError, ValueError):  # longer than a file name can be (a base64 key), a NUL
        return False


@contextlib.contextmanager
def api_key_file(pem: bytes) -> Iterator[Path]:
    """``pem`` written to ``AuthKey.p8`` in a private folder for the block, then removed."""
    from shipyard.signing.keychain import private_file

    with private_file(API_KEY_PREFIX, "AuthKey.p8", pem) as path:
        yield path
