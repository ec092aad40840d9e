"""The one place that keeps secrets out of everything shipyard prints or writes.

A secret can reach shipyard three ways: inside a URL the user configured (a mirror
``https://user:pass@host/``, a tap ``https://x-access-token:TOKEN@github.com/…``, a feed
``…?token=…``), in an environment variable (``GITHUB_TOKEN``, ``NPM_TOKEN``, ``APPLE_*``
passwords and keys …), or from a service at run time (a notary upload key).  Using those
values is the point — a URL's userinfo is sent to its host as Basic auth — but showing them is
never: :func:`redact` masks all three kinds, and every output goes through it:

- the terminal: :func:`shipyard.ui.emit` and the CLI's stdout and stderr (:func:`redacting`),
  which carries ``config show`` (text and ``--json``), plans and every error message;
- the command echo and output tail of :class:`shipyard.tools.runner.Runner`;
- files: the release state file, ``manifest.json``, SBOMs and generated CI workflows
  (:func:`redact_data` over the data before it is serialised).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

MASK = "********"

#: Variables that hold a secret wherever they appear (shipyard reads all of these).
SECRET_NAMES = frozenset({
    "APPLE_SIGNING_CERTIFICATE", "APPLE_SIGNING_PASSWORD", "APPLE_APP_SPECIFIC_PASSWORD",
    "APPLE_INSTALLER_CERTIFICATE", "APPLE_INSTALLER_PASSWORD",
    "APPLE_API_KEY", "GITHUB_TOKEN", "NPM_TOKEN", "PYPI_TOKEN", "TWINE_PASSWORD",
})
#: Other variables whose name says they hold a secret (a publisher's custom ``token-env``).
SECRET_SUFFIXES = ("_TOKEN", "_PASSWORD", "_SECRET", "_SECRET_KEY", "_API_KEY", "_PRIVATE_KEY")

# scheme://user:password@ or scheme://token@, read as urllib and httpx read them: the userinfo
# runs to the last "@" before the host's end ("/", "?", "#"), so a password may hold "@", "'",
# "!", ",", ";" ... (RFC 3986 allows the sub-delimiters raw); the user part ends at the first ":".
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<info>[^/?#\s\"<>\\]*)@")
# A secret-named query or fragment parameter: any name ending in token, secret, password,
# signature, credential, api-key, access-key or auth (``client_secret``, ``X-Goog-Signature``,
# ``#access_token``), or the bare ``key`` / ``sig``.
_QUERY = re.compile(r"(?P<key>[?&;#](?:[a-z0-9_.-]*(?:token|password|passwd|pwd|secret|"
                    r"signature|credential|api[_-]?key|access[_-]?key|auth|authorization)|"
                    r"key|sig)=)[^&#\s'\"<>]+", re.IGNORECASE)
#: Values registered as secrets (environment, runner, services), masked everywhere.
_known: set[str] = set()


def is_secret_name(name: str) -> bool:
    return name in SECRET_NAMES or name.upper().endswith(SECRET_SUFFIXES)


def add_secret(value: str | None) -> None:
    """Mask ``value`` from now on wherever shipyard prints or writes (short values are not
    masked: they would hide ordinary words)."""
    if value and len(value) >= 3:
        _known.add(value)


def add_env_secrets(env: Mapping[str, str], names: Iterable[str] = ()) -> None:
    """Register the values of ``env``'s secret variables, plus ``names`` (configured ones)."""
    for name, value in env.items():
        if is_secret_name(name):
            add_secret(value)
    for name in names:
        add_secret(env.get(name))


def forget_secrets() -> None:
    """Drop every registered value (a new command, or a test, starts clean)."""
    _known.clear()


def _userinfo(match: re.Match[str]) -> str:
    user, colon, _password = match["info"].partition(":")
    if colon:
        return f"{match['scheme']}{user}:{MASK}@"
    # A lone user part of an http URL is how tokens are often passed (https://TOKEN@host);
    # ssh's "git@" is a user name, not a secret.
    if match["scheme"].lower().startswith("http") and user:
        return f"{match['scheme']}{MASK}@"
    return match.group(0)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL passwords and tokens, and every known secret value, masked."""
    for secret in sorted({*_known, *(s for s in secrets if s)}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    if "://" in text:
        text = _USERINFO.sub(_userinfo, text)
    if "=" in text:
        text = _QUERY.sub(lambda m: m["key"] + MASK, text)
    return text


def redact_data(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with :func:`redact` applied to every string,
    keys included; other values unchanged.  For data about to be written to a file."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_data(v) for v in value]
    return value


class RedactingStream:
    """A text stream that redacts every write before passing it on."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def redacting() -> Iterator[None]:
    """While active, everything written to ``sys.stdout`` and ``sys.stderr`` is redacted."""
    import sys

    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(saved[0])  # type: ignore[assignment]
    sys.stderr = RedactingStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
