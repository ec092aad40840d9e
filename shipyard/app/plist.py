"""Property lists shipyard writes: the app's Info.plist and launchd job definitions.

Each is written with :mod:`plistlib` (XML, sorted keys, so the bytes only change when the
content does) and then read back and checked — the same checks ``plutil -lint`` and the
loader would make — so a malformed plist fails the build instead of the user's Mac.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shipyard.errors import ShipyardError
from shipyard.fsutil import atomic_write_bytes
from shipyard.userinput import read_plist_dict

#: Keys launchd refuses a job without (one of Program / ProgramArguments), and their types.
LAUNCHD_TYPES: dict[str, type] = {"Label": str, "ProgramArguments": list, "RunAtLoad": bool,
                                  "KeepAlive": bool, "StandardOutPath": str,
                                  "StandardErrorPath": str}
INFO_REQUIRED = ("CFBundleIdentifier", "CFBundleName", "CFBundleExecutable", "CFBundleVersion",
                 "CFBundleShortVersionString", "CFBundlePackageType", "LSMinimumSystemVersion")


def plist_bytes(data: Mapping[str, Any]) -> bytes:
    return plistlib.dumps(dict(data), fmt=plistlib.FMT_XML, sort_keys=True)


def info_plist(*, name: str, identifier: str, version: str, executable: str,
               minimum_system_version: str, privacy: Mapping[str, str] | None = None,
               feed_url: str = "", public_ed_key: str = "") -> dict[str, Any]:
    """The Info.plist of an arm64 app; update keys only when they are configured."""
    short = version.split("+")[0]
    data: dict[str, Any] = {
        "CFBundleDevelopmentRegion": "en",
        "CFBundleDisplayName": name,
        "CFBundleExecutable": executable,
        "CFBundleIdentifier": identifier,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": name,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": short.split("-")[0],
        "CFBundleVersion": short.split("-")[0],  # Apple wants dot-separated integers here
        "LSArchitecturePriority": ["arm64"],
        "LSMinimumSystemVersion": minimum_system_version,
        "NSHighResolutionCapable": True,
    }
    data.update(privacy or {})
    if feed_url:
        data["SUFeedURL"] = feed_url
    if public_ed_key:
        data["SUPublicEDKey"] = public_ed_key
    return data


def check_info_plist(data: Mapping[str, Any], where: str) -> None:
    missing = [k for k in INFO_REQUIRED if not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise ShipyardError(f"{where} lacks {', '.join(missing)}")


def check_launchd_plist(data: Mapping[str, Any], where: str) -> None:
    """Raise when ``data`` is not a job launchd would load (the keys and types it needs)."""
    problems = [f"{key} must be a {tp.__name__}" for key, tp in LAUNCHD_TYPES.items()
                if key in data and not isinstance(data[key], tp)]
    if not data.get("Label"):
        problems.append("Label is missing")
    args = data.get("ProgramArguments")
    if not args or not all(isinstance(a, str) for a in args) or not str(args[0]).startswith("/"):
        problems.append("ProgramArguments must be a list of strings starting with an "
                        "absolute program path")
    for key in ("StandardOutPath", "StandardErrorPath"):
        value = data.get(key, "/")
        if not isinstance(value, str) or not value.startswith("/"):
            problems.append(f"{key} must be absolute (launchd does not expand '~'), "
                            f"got {value!r}")
    if problems:
        raise ShipyardError(f"{where} is not a valid launchd job: {'; '.join(problems)}")


def write_plist(path: Path, data: Mapping[str, Any], *, kind: str = "info") -> Path:
    """Write ``data`` to ``path`` and check what a reader gets back."""
    atomic_write_bytes(path, plist_bytes(data))
    check_plist_file(path, kind=kind)
    return path


def check_plist_file(path: Path, *, kind: str = "info") -> dict[str, Any]:
    try:
        data = read_plist_dict(path)
    except (ValueError, OSError) as exc:
        raise ShipyardError(f"{path} is not a readable property list: {exc}") from None
    (check_launchd_plist if kind == "launchd" else check_info_plist)(data, str(path))
    return data
