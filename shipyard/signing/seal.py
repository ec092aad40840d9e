"""Check a signed bundle's seal: ``_CodeSignature/CodeResources`` against the files it lists.

A bundle signature covers more than its Mach-O: the main executable's CodeDirectory hashes
``Info.plist`` and ``CodeResources`` (special slots 1 and 3), and CodeResources (``files2``)
holds the sha256 of every resource and the cdhash of every nested piece of code.  Changing a
metallib, a Python file or a nested dylib after signing breaks the seal even though every
Mach-O's own pages still match.  Files added after signing are not detected here (that needs
the bundle's resource rules, which Gatekeeper applies).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from shipyard.signing.codesig import _CodeDirectory, read_slices
from shipyard.userinput import read_plist_dict

SLOT_INFO, SLOT_RESOURCES = 1, 3


def seal_problems(bundle: Path, main_executable: Path) -> list[str]:
    """Why ``bundle``'s seal does not match its files (empty when it does or there is none)."""
    contents = bundle / "Contents" if (bundle / "Contents").is_dir() else bundle
    resources = contents / "_CodeSignature" / "CodeResources"
    try:
        slices = read_slices(main_executable.read_bytes())
    except (OSError, ValueError):
        return []
    if not any(s.signed for s in slices):
        return []
    if not resources.is_file():
        return ["the bundle has no seal (_CodeSignature/CodeResources): sign the bundle itself"]
    problems = _slot_problems(slices, contents / "Info.plist", resources)
    try:
        files = read_plist_dict(resources).get("files2", {})
        if not isinstance(files, dict):
            raise ValueError("files2 is not a dictionary")
    except (OSError, ValueError):
        return [*problems, "the bundle seal (CodeResources) cannot be read"]
    for relative, entry in sorted(files.items()):
        why = _entry_problem(contents / relative, entry)
        if why:
            problems.append(f"bundle seal: {relative} {why}")
    return problems


def _slot_problems(slices: list[Any], info_plist: Path, resources: Path) -> list[str]:
    problems = []
    for piece in slices:
        directory = _CodeDirectory.parse(piece.directory)
        for slot, path in ((SLOT_INFO, info_plist), (SLOT_RESOURCES, resources)):
            recorded = directory.recorded(-slot)
            if slot > directory.special_slots or not recorded.strip(b"\0"):
                continue
            current = directory.digest(path.read_bytes()) if path.is_file() else b""
            if current != recorded:
                problems.append(f"{piece.arch}: {path.name} changed since signing")
    return problems


def _entry_problem(path: Path, entry: Any) -> str:
    if isinstance(entry, bytes):  # old form: the sha1 of the file
        entry = {"hash": entry}
    if not isinstance(entry, dict):
        return ""
    if "symlink" in entry:
        return "" if path.is_symlink() and os.readlink(path) == entry["symlink"] else \
            "is not the sealed symbolic link"
    if not path.exists():
        return "" if entry.get("optional") else "is missing"
    if "cdhash" in entry:
        return "" if entry["cdhash"] in _cdhashes(path) else "(nested code) changed since signing"
    data = path.read_bytes()
    if "hash2" in entry:
        return "" if hashlib.sha256(data).digest() == entry["hash2"] else "changed since signing"
    if "hash" in entry:
        return "" if hashlib.sha1(data).digest() == entry["hash"] else "changed since signing"
    return ""


def _cdhashes(path: Path) -> set[bytes]:
    """The cdhash (digest of the CodeDirectory, first 20 bytes) of every slice of ``path``."""
    try:
        slices = read_slices(path.read_bytes())
    except (OSError, ValueError):
        return set()
    found = set()
    for piece in slices:
        if piece.signed and piece.directory:
            found.add(_CodeDirectory.parse(piece.directory).digest(piece.directory)[:20])
    return found

