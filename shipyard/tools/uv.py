"""uv: the fast installer used to assemble bundles (pip is the fallback)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from shipyard.tools.base import Tool


class Uv(Tool):
    name = "uv"
    executable = "uv"
    install_hint = "python -m pip install uv"
    version_from_file = True

    def command(self) -> list[str]:
        if self._executable:
            return [self._executable]
        if shutil.which("uv"):
            return ["uv"]
        # the PyPI `uv` package puts its binary beside this interpreter (a venv's bin/): look
        # there before importing the package, whose import costs more than the lookup
        beside = shutil.which("uv", path=str(Path(sys.executable).parent))
        if beside:
            return [beside]
        try:  # the PyPI `uv` package ships its binary beside the interpreter's scripts
            from uv import find_uv_bin  # type: ignore[import-not-found]

            return [find_uv_bin()]
        except Exception:  # noqa: BLE001 - absent or broken: report as missing
            return ["uv"]

    def parse_version(self, output: str) -> str:
        first = super().parse_version(output)
        return first.split()[1] if first.startswith("uv ") and len(first.split()) > 1 else first
