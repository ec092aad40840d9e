"""pip of the running interpreter (``python -m pip``), the installer fallback."""

from __future__ import annotations

import sys

from shipyard.tools.base import Tool


class Pip(Tool):
    name = "pip"
    executable = "pip"
    install_hint = "python -m ensurepip --upgrade"

    def command(self) -> list[str]:
        return [self._executable or sys.executable, "-m", "pip"]

    def which(self) -> str | None:
        try:
            import pip  # noqa: F401
        except ImportError:
            return None
        return self.command()[0]

    def parse_version(self, output: str) -> str:
        first = super().parse_version(output)
        parts = first.split()
        return parts[1] if len(parts) > 1 and parts[0] == "pip" else first
