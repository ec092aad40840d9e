"""pip of the running interpreter (``python -m pip``), the installer fallback."""

from __future__ import annotations

from shipyard.tools.base import PythonModuleTool


class Pip(PythonModuleTool):
    name = "pip"
    executable = "pip"
    module = "pip"
    install_hint = "python -m ensurepip --upgrade"

    def parse_version(self, output: str) -> str:
        first = super().parse_version(output)
        parts = first.split()
        return parts[1] if len(parts) > 1 and parts[0] == "pip" else first
