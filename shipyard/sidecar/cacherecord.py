"""What binds a cache entry to what was pinned: a record written when the entry is made.

A cache file named after its own sha256 proves only that it is self-consistent: anyone who can
write to the cache can replace the bytes and rename the file to their new hash.  So the name
is never trusted.  When shipyard makes an entry it writes, atomically and beside it, a small
JSON record keyed by what the entry was made from (the sha256 pin of a download, the key of a
packaged bundle) holding the sha256 of the entry's bytes and the manifest of the files it
yields.  Using an entry means re-hashing its content against that record; any difference
drops the entry (one warning) and it is made again from its verified source.

The manifest lists every path under a tree with its type, permission bits, size and sha256,
and the target of each symbolic link, so an added file (a ``.pth`` the interpreter would run),
a removed one, a changed mode or a swapped link target are all differences.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from shipyard.fsutil import atomic_write_text, sha256_file
from shipyard.userinput import read_json

#: Bump when the layout of a record changes: older records are then simply unbound.
FORMAT = "shipyard-cache-record-1"
#: A record is small (a manifest line per file); anything bigger is not one shipyard wrote.
MAX_RECORD_BYTES = 64 << 20

Manifest = list[dict[str, Any]]


def write_record(path: Path, fields: dict[str, Any]) -> None:
    """Write the record of an entry atomically (an interrupted write leaves the old one)."""
    atomic_write_text(path, json.dumps({"format": FORMAT, **fields}, sort_keys=True))


def load_record(path: Path, **expected: str) -> dict[str, Any] | None:
    """The record at ``path`` when it is one shipyard wrote with these ``expected`` fields."""
    try:
        if os.lstat(path).st_size > MAX_RECORD_BYTES:
            return None
        record = read_json(path)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    if any(record.get(name) != value for name, value in expected.items()):
        return None
    return record


def drop(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def tree_manifest(root: Path) -> Manifest:
    """Every path under ``root`` (links not followed), sorted: type, mode, size, sha256, target."""
    found: Manifest = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(folder) / name
            found.append(_describe(path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item["path"])


def _describe(path: Path, relative: str) -> dict[str, Any]:
    st = os.lstat(path)
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return {"path": relative, "type": "link", "target": os.readlink(path)}
    if stat.S_ISDIR(st.st_mode):
        return {"path": relative, "type": "dir", "mode": mode}
    if stat.S_ISREG(st.st_mode):
        return {"path": relative, "type": "file", "mode": mode, "size": st.st_size,
                "sha256": sha256_file(path)}
    return {"path": relative, "type": "special"}  # never recorded: always a difference


def manifest_difference(recorded: Manifest, actual: Manifest) -> str:
    """The first difference between two manifests, in words ('' when they are equal)."""
    want = {item["path"]: item for item in recorded}
    have = {item["path"]: item for item in actual}
    for path in sorted(want.keys() | have.keys()):
        if path not in want:
            return f"{path} was added"
        if path not in have:
            return f"{path} is missing"
        if want[path] != have[path]:
            changed = sorted(k for k in want[path].keys() | have[path].keys()
                             if want[path].get(k) != have[path].get(k))
            return f"the {', '.join(changed)} of {path} changed"
    return ""
