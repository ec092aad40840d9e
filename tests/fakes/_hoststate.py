"""State shared by the host-package fakes (brew, xcodebuild, dpkg-query, apt-get, xcode-select):
a JSON file named by $SHIPYARD_FAKE_HOST, e.g.
``{"brew": {"git": "2.45.0"}, "metal": false, "clt": true, "dpkg": {"patchelf": "0.17.2-1"},
"available": {"brew": {"llvm@17": "17.0.6_1"}, "dpkg": {"clang": "1:14.0-55.7"}}}``.
Installing moves a package from ``available`` to the installed set, as the real tools do."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def load() -> dict[str, Any]:
    path = os.environ.get("SHIPYARD_FAKE_HOST")
    if not path or not Path(path).exists():
        return {}
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def save(state: dict[str, Any]) -> None:
    path = os.environ.get("SHIPYARD_FAKE_HOST")
    if path:
        Path(path).write_text(json.dumps(state, indent=2), encoding="utf-8")
