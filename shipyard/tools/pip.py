"""pip of the running interpreter (``python -m pip``), the installer fallback."""

from __future__ import annotations

import sys

from shipyard.tools.base import Tool, ToolStatus, installed_package


class Pip(Tool):
    name = "pip"
    executable = "pip"
    install_hint = "python -m ensurepip --upgrade"

    def command(self) -> list[str]:
        return [self._executable or sys.executable, "-m", "pip"]

    def which(self) -> str | None:
        return self.command()[0] if installed_package("pip")[0] is not None else None

    def verify(self) -> ToolStatus:
        """This interpreter's pip answers from its dist-info (no second interpreter start, no
        import of pip); another interpreter's pip is asked with ``-m pip --version``."""
        if self._executable:
            return super().verify()
        package, version = installed_package("pip")
        if package is None:
            return ToolStatus(self.name, False, hint=self.hint(), detail="not importable")
        return ToolStatus(self.name, True, version=version, path=sys.executable)

    def parse_version(self, output: str) -> str:
        first = super().parse_version(output)
        parts = first.split()
        return parts[1] if len(parts) > 1 and parts[0] == "pip" else first
