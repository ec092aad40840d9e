"""The App Store Connect API key (.p8) given as a secret instead of a file.

On CI the key arrives the way every other secret does, in an environment variable:
``APPLE_API_KEY`` holds the .p8 itself (its PEM text as downloaded, or the base64 of that
text, which is how a multi-line secret is often stored). The REST notarizer reads it from
there directly; ``notarytool`` needs a file, so it gets one in a private folder (mode 0700)
for the duration of the command, removed afterwards whatever happens. A configured
``api-key`` path takes precedence over the variable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from shipyard.errors import ConfigError

API_KEY_ENV = "APPLE_API_KEY"
PEM_HEADER = b"-----BEGIN PRIVATE KEY-----"


def api_key_from_env(env: Mapping[str, str]) -> bytes | None:
    """The PEM bytes of the key in :data:`API_KEY_ENV`, or None when it is not set.

    Raises :class:`ConfigError` naming the variable (never its value) when it holds neither
    a PEM private key nor the base64 of one."""
    text = env.get(API_KEY_ENV, "").strip()
    if not text:
        return None
    data = text.encode()
    if PEM_HEADER in data:
        return data
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if PEM_HEADER not in decoded:
        raise ConfigError(f"{API_KEY_ENV} is neither the .p8 key's PEM text nor the base64 of it",
                          hint="store the whole AuthKey_<id>.p8 file as the secret (or "
                          "`base64 < AuthKey_<id>.p8`)")
    return decoded


@contextlib.contextmanager
def api_key_file(pem: bytes) -> Iterator[Path]:
    """``pem`` written to ``AuthKey.p8`` in a private folder for the block, then removed."""
    from shipyard.signing.keychain import write_private

    workdir = Path(tempfile.mkdtemp(prefix="shipyard-api-key-"))  # mode 0700
    path = workdir / "AuthKey.p8"
    try:
        write_private(path, pem)
        yield path
    finally:
        path.unlink(missing_ok=True)
        workdir.rmdir()
