"""Whether any installed distribution can declare an entry point of a group, cheaply.

pluggy finds entry-point plugins through ``importlib.metadata``, whose import (it pulls in
the ``email`` package, ``zipfile`` and ``csv``) costs more than everything else ``shipyard
doctor`` does. Most environments hold no third-party shipyard plugin, and that can be shown
without it: every distribution on a ``sys.path`` directory keeps its entry points in
``<name>.dist-info/entry_points.txt`` (``.egg-info`` for older installs, ``EGG-INFO`` inside
an ``.egg`` folder), so when none of those files has a ``[group]`` section, there is no such
entry point. Whenever that cannot be shown this way — a zip or other non-directory on
``sys.path``, or a meta-path finder besides the standard one that may report distributions —
the answer is "maybe", and pluggy does the full, exact scan.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator


def may_have_entry_points(group: str) -> bool:
    """False only when no distribution of this interpreter declares an entry point in ``group``."""
    if _other_distribution_finders():
        return True
    name = group.encode()
    section = None
    for candidate in _entry_point_files():
        if candidate is None:
            return True
        try:
            with open(candidate, "rb") as handle:
                data = handle.read()
        except (FileNotFoundError, NotADirectoryError):  # none, or a one-file .egg-info
            continue
        except OSError:
            return True
        if name not in data:  # the common case, decided without decoding or a pattern
            continue
        section = section or re.compile(rf"^\s*\[\s*{re.escape(group)}\s*\]\s*$", re.MULTILINE)
        if section.search(data.decode("utf-8", "replace")):
            return True
    return False


def _other_distribution_finders() -> bool:
    """A meta-path finder other than the standard path finder that can list distributions."""
    from importlib.machinery import PathFinder

    return any(finder is not PathFinder and hasattr(finder, "find_distributions")
               for finder in sys.meta_path)


def _entry_point_files() -> Iterator[str | None]:
    """Each ``entry_points.txt`` that may exist on ``sys.path``; None for a path entry whose
    distributions cannot be listed this way."""
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                yield None  # a zip archive or another importable file
            continue
        if folder.endswith(".egg"):
            yield os.path.join(folder, "EGG-INFO", "entry_points.txt")
        try:
            names = os.listdir(folder)
        except OSError:
            yield None
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                yield os.path.join(folder, name, "entry_points.txt")
