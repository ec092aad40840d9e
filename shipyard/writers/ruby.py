"""Ruby string literals for Homebrew formulae and casks.

A double-quoted Ruby string interpolates ``#{expr}``, ``#$global`` and ``#@ivar`` and reads
backslash escapes, so :func:`string` escapes every ``\\``, ``"`` and ``#`` and writes every
character outside printable ASCII as ``\\u{…}``: the literal then holds nothing Ruby
evaluates, stays on one line, and evaluates to exactly the value.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"[ !$-\[\]-~]")  # printable ASCII except ", # and \
_NAMED = {"\\": "\\\\", '"': '\\"', "#": "\\#", "\n": "\\n", "\t": "\\t"}
#: A Ruby constant name (``class ShipyardDemo``) made only of ASCII letters and digits.
CONSTANT = re.compile(r"[A-Z][A-Za-z0-9]*")


def _char(char: str) -> str:
    if _PLAIN.fullmatch(char):
        return char
    return _NAMED.get(char) or f"\\u{{{ord(char):x}}}"


def content(value: str) -> str:
    """The escaped characters of ``value``, to go between the quotes of a Ruby
    double-quoted string (also one that starts with fixed ``#{appdir}/``)."""
    return "".join(_char(c) for c in value)


def string(value: str) -> str:
    """``value`` as a Ruby double-quoted string literal that evaluates to exactly ``value``."""
    return f'"{content(value)}"'


def constant(name: str) -> str:
    """``name`` when it is a plain Ruby constant name, else :class:`ValueError`."""
    if not CONSTANT.fullmatch(name):
        raise ValueError(f"{name!r} is not a Ruby constant name")
    return name
