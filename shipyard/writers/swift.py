"""Swift for ``Package.swift``: string literals, identifiers and the tools-version line.

A Swift string literal interpolates ``\\(expr)`` and reads backslash escapes, so
:func:`string` escapes ``\\`` and ``"`` and writes every character outside printable ASCII
as ``\\u{…}``: the literal stays on one line and evaluates to exactly the value.  Names that
Swift takes as identifiers (the package, product and target names) and the tools-version
comment are checked against their grammar instead, and refused when they do not match.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r'[ !#-\[\]-~]')  # printable ASCII except " and \
_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
#: Identifiers as SwiftPM targets and products need them: ASCII letters, digits and ``_``,
#: not starting with a digit (the portable subset of Swift's identifier grammar).
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: ``// swift-tools-version:X.Y[.Z]``: the version part.
TOOLS_VERSION = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+)?")
#: A supported platform: ``.macOS(.v14)``, ``.iOS(.v17)``, ``.macOS("14.2")``.
PLATFORM = re.compile(r'\.(?:macOS|iOS|tvOS|watchOS|visionOS|macCatalyst|driverKit)'
                      r'\((?:\.v[0-9]+(?:_[0-9]+)*|"[0-9]+(?:\.[0-9]+){0,2}")\)')
#: Swift reserved words, which are not identifiers without backticks.
KEYWORDS = frozenset("""associatedtype class deinit enum extension fileprivate func import
init inout internal let open operator private precedencegroup protocol public rethrows static
struct subscript typealias var break case catch continue default defer do else fallthrough for
guard if in repeat return throw switch where while Any as await false is nil self Self super
throws true try _""".split())


def _char(char: str) -> str:
    if _PLAIN.fullmatch(char):
        return char
    return _NAMED.get(char) or f"\\u{{{ord(char):x}}}"


def string(value: str) -> str:
    """``value`` as a Swift string literal that evaluates to exactly ``value``."""
    return '"' + "".join(_char(c) for c in value) + '"'


def is_identifier(name: str) -> bool:
    return bool(IDENTIFIER.fullmatch(name)) and name not in KEYWORDS


def tools_version_line(version: str) -> str:
    """The manifest's first line; ``version`` must match ``X.Y[.Z]``."""
    if not TOOLS_VERSION.fullmatch(version):
        raise ValueError(f"{version!r} is not a swift-tools-version (X.Y or X.Y.Z)")
    return f"// swift-tools-version:{version}"
