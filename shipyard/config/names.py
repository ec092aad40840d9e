"""The one validator for configured names that become file or directory names.

A sidecar name, an archive name, an app name, a publisher or variant name all end up as one
component of a path under the output or staging directory.  Checked once, up front, before any
work: a slash would silently create (or escape into) another directory, ``..`` would climb out,
a NUL byte crashes the OS call, and spaces or control characters break the generated shell
scripts and URLs that carry the name.
"""

from __future__ import annotations

import re

from shipyard.errors import ConfigError

#: Letters, digits and ``._+-``; must not start with ``.`` or ``-`` (hidden files, options).
_COMPONENT = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+-]*")
MAX_COMPONENT = 200


def check_relative_path(value: str, toml_path: str, *, inside: str, example: str) -> str:
    """Return ``value`` when it is a relative ``/``-separated path that stays ``inside`` (no
    ``..``, no empty or ``.`` part, no backslash or NUL), else raise :class:`ConfigError`."""
    parts = value.split("/")
    if value.startswith("/") or "\\" in value or "\x00" in value or any(
            part in ("", ".", "..") for part in parts):
        raise ConfigError(f"{toml_path} {value!r} must be a relative path inside {inside}, "
                          "without `..`", hint=f"for example: {example}")
    return value


def check_path_component(value: str, toml_path: str, *, what: str = "name",
                         allow_spaces: bool = False) -> str:
    """Return ``value`` when it is safe as one path component, else raise :class:`ConfigError`
    naming ``toml_path`` and the fix.  ``allow_spaces`` admits inner spaces (``My App.app``)."""
    shown = repr(value)
    probe = value.replace(" ", "_") if allow_spaces else value
    if not value:
        problem = "is empty"
    elif "\x00" in value:
        problem = "contains a NUL byte"
    elif "/" in value or "\\" in value:
        problem = "contains a path separator"
    elif value in (".", ".."):
        problem = "is a relative directory name"
    elif len(value) > MAX_COMPONENT:
        problem = f"is longer than {MAX_COMPONENT} characters"
    elif value != value.strip() or not _COMPONENT.fullmatch(probe):
        problem = "contains characters other than letters, digits and . _ + -" + (
            " (and inner spaces)" if allow_spaces else "")
    else:
        return value
    raise ConfigError(
        f"{toml_path} {problem}: {shown} cannot be used as a file {what}",
        hint="use letters, digits, '.', '_', '+' and '-', starting with a letter or digit, "
        "e.g. \"my-app\"",
    )
