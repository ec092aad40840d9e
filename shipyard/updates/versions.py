"""Versions as Sparkle compares them, and the ``sparkle:version`` of a SemVer release.

Sparkle's ``SUStandardVersionComparator`` splits a version into runs of digits, letters and
separators and *stops at the first dash*: ``1.1.0-beta.1`` and ``1.1.0`` compare equal, so a
beta user would never be offered 1.1.0.  The ``sparkle:version`` shipyard writes therefore
drops the dash (``1.1.0beta.1``); Sparkle then orders it before ``1.1.0`` (a trailing letter
run makes a version older) and after ``1.0.1``, as SemVer does.  The comparator below is a
port of Sparkle's, used to check that an appcast's versions strictly decrease.
"""

from __future__ import annotations

import unicodedata

from shipyard.release.tags import SEMVER

NUMBER, STRING, PERIOD, PUNCT, SPACE, DASH = range(6)
SEPARATORS = (PERIOD, PUNCT, SPACE)


def sparkle_version(semver: str) -> str:
    """``1.1.0-beta.1+build.5`` → ``1.1.0beta.1`` (Sparkle ignores everything after a dash)."""
    parsed = SEMVER.match(semver)
    if not parsed:
        return semver
    pre = parsed.group("pre")
    return parsed.group("core") + (pre.replace("-", "") if pre else "")


def _type(char: str) -> int:
    if char == ".":
        return PERIOD
    if char == "-":
        return DASH
    if char.isdecimal():
        return NUMBER
    if char.isspace():
        return SPACE
    if unicodedata.category(char).startswith("P"):
        return PUNCT
    return STRING


def split_version(version: str) -> list[str]:
    if not version:
        return []
    parts, current, old = [], version[0], _type(version[0])
    for char in version[1:]:
        new = _type(char)
        if new == DASH:
            break
        if old != new or old in SEPARATORS:
            parts.append(current)
            current = char
        else:
            current += char
        old = new
    return [*parts, current]


def _leading_numeric(parts: list[str]) -> int:
    count = 0
    for part in parts:
        if _type(part[0]) not in (NUMBER, PERIOD):
            break
        count += 1
    return count


def _balance(a: list[str], b: list[str]) -> None:
    """``1.1`` against ``1.0.0`` becomes ``1.1.0`` (so ``1.0`` equals ``1.0.0``)."""
    na, nb = _leading_numeric(a), _leading_numeric(b)
    short, long_, n_short, n_long = (b, a, nb, na) if na > nb else (a, b, na, nb)
    for index in range(n_short, n_long):
        short.insert(index, "." if _type(long_[index][0]) == PERIOD else "0")


def _compare_part(a: str, b: str) -> int:
    ta, tb = _type(a[0]), _type(b[0])
    same_class = ta == tb or (ta in SEPARATORS and tb in SEPARATORS)
    if same_class:
        if ta == NUMBER:
            return (int(a) > int(b)) - (int(a) < int(b))
        if ta == STRING:
            return (a > b) - (a < b)
        return 0
    if ta != STRING and tb == STRING:
        return 1
    if ta == STRING and tb != STRING:
        return -1
    return 1 if ta == NUMBER else -1


def compare(version_a: str, version_b: str) -> int:
    """-1, 0 or 1 as Sparkle orders ``version_a`` against ``version_b``."""
    a, b = split_version(version_a), split_version(version_b)
    _balance(a, b)
    for part_a, part_b in zip(a, b, strict=False):
        if result := _compare_part(part_a, part_b):
            return result
    if len(a) == len(b):
        return 0
    longer, sign = (a, 1) if len(a) > len(b) else (b, -1)
    missing = longer[min(len(a), len(b))]
    return -sign if _type(missing[0]) == STRING else sign
