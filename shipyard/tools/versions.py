"""Tool versions remembered by the executable file's identity, so ``doctor`` need not start
every tool on every run (``npm --version`` alone costs a Node.js start-up).

A ``--version`` answer of a tool that opts in (``Tool.version_from_file``) depends on nothing
but the file that prints it. The cache is keyed by that file's resolved path and its inode,
size, mtime and ctime: reinstalling, upgrading or replacing the tool changes at least one of
them (ctime cannot be set back by hand), and the tool is asked again. virtualenv remembers
interpreter facts the same way. Tools whose answer depends on something else (the xcrun
family follows the selected Xcode) never opt in. Deleting the file is always safe.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from shipyard.fsutil import atomic_write_text
from shipyard.userinput import read_json

#: Bump when the file's layout changes; an older file is ignored.
FORMAT = 1


def identity(executable: str) -> list[object] | None:
    """(resolved path, inode, size, mtime, ctime) of ``executable``; None when it is gone."""
    try:
        real = os.path.realpath(executable)
        st = os.stat(real)
    except OSError:
        return None
    return [real, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class VersionCache:
    """``<cache-dir>/tool-versions.json``: executable identity + version flags → version."""

    def __init__(self, path: Path, *, fresh: bool = False) -> None:
        """``fresh`` forgets what the file holds: every tool is asked, the answers are saved."""
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, object]] = {} if fresh else self._load()
        self._changed = False

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = read_json(self.path)
        except (OSError, ValueError):
            return {}  # absent, corrupt or nested too deep: ask every tool again
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        entries = data.get("tools")
        return entries if isinstance(entries, dict) else {}

    @staticmethod
    def _key(executable: str, args: Sequence[str]) -> str:
        return json.dumps([executable, list(args)])

    def get(self, executable: str, args: Sequence[str]) -> str | None:
        """The remembered version, if the file is still the one that printed it."""
        with self._lock:
            entry = self._entries.get(self._key(executable, args))
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            return None
        current = identity(executable)
        return str(entry["version"]) if current is not None and entry.get("file") == current else None

    def put(self, executable: str, args: Sequence[str], version: str) -> None:
        current = identity(executable)
        if current is None:
            return
        with self._lock:
            self._entries[self._key(executable, args)] = {"file": current, "version": version}
            self._changed = True

    def save(self) -> None:
        """Write the file when something changed; a read-only cache only costs the next run."""
        if not self._changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps({"format": FORMAT, "tools": self._entries},
                                                    indent=1, sort_keys=True))
        except OSError:
            pass
        self._changed = False
