"""cibuildwheel: the project's macOS arm64 wheels, one per CPython, repaired by delocate."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult

INSTALL = "python -m pip install cibuildwheel"


class Cibuildwheel(Tool):
    name = "cibuildwheel"
    executable = "cibuildwheel"
    install_hint = INSTALL

    def command(self) -> list[str]:
        """``cibuildwheel`` from PATH, else this interpreter's (an un-activated venv's bin/ is
        not on PATH)."""
        if self._executable:
            return [self._executable]
        return [found] if (found := shutil.which(self.executable)) else \
            [sys.executable, "-m", "cibuildwheel"]

    def which(self) -> str | None:
        exe = self.command()
        if exe[0] != sys.executable:
            return exe[0]
        import importlib.util

        return sys.executable if importlib.util.find_spec("cibuildwheel") else None

    def build_macos(self, project: Path, out: Path) -> CommandResult:
        """``cibuildwheel --platform macos --output-dir OUT PROJECT`` (its settings, archs and
        build selection come from the project's ``[tool.cibuildwheel]``)."""
        return self.run(["--platform", "macos", "--output-dir", str(out), str(project)],
                        cwd=project, timeout=3 * 3600)
