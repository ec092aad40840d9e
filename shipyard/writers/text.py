"""Characters no generated file can carry safely, refused when the configuration is loaded.

XML 1.0 (Info.plist, launchd jobs, appcasts, installer XML) cannot hold NUL or most C0
controls at all; a POSIX shell argument cannot hold NUL; a newline in a one-line value (a
formula ``desc``, a label) would silently become two lines.  Bidirectional overrides
(U+202A-U+202E, U+2066-U+2069) make a file read differently from how it runs.
"""

from __future__ import annotations

import re

from shipyard.errors import ConfigError

#: C0 controls (tab excepted), DEL, C1 controls, the Unicode line/paragraph separators,
#: the bidirectional overrides and isolates, and the non-characters XML 1.0 excludes.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ufffe\uffff\ud800-\udfff]")


def unsafe_character(value: str) -> str | None:
    """The first character of ``value`` a generated file cannot carry, or ``None``."""
    found = _UNSAFE.search(value)
    return found.group() if found else None


def check_text(value: str, toml_path: str, *, lines: bool = False) -> str:
    """Return ``value`` when it is free of control and direction characters (``lines``
    admits newlines, for commands), else raise a :class:`ConfigError` naming ``toml_path``.
    The value itself is not shown: it could be a credential."""
    bad = unsafe_character(value.replace("\n", " ") if lines else value)
    if bad is not None:
        position = value.index(bad)
        raise ConfigError(f"{toml_path} contains the control character U+{ord(bad):04X} "
                          f"(at position {position}), which the files shipyard generates "
                          "cannot carry safely",
                          hint="remove the control, line-break or text-direction character")
    return value
