"""External tools: one object per tool, each with ``verify()`` and typed command methods.

Stages receive their tools (see :class:`Toolbox`) so tests can swap them for fakes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shipyard.errors import ShipyardError
from shipyard.tools.base import Tool, ToolStatus, is_macos
from shipyard.tools.codesign import Codesign
from shipyard.tools.ditto import Ditto
from shipyard.tools.git import Git
from shipyard.tools.hdiutil import Hdiutil
from shipyard.tools.npm import Npm
from shipyard.tools.pip import Pip
from shipyard.tools.pkgbuild import Pkgbuild, Productbuild
from shipyard.tools.runner import CommandResult, Runner
from shipyard.tools.security import Security
from shipyard.tools.spctl import Spctl
from shipyard.tools.uv import Uv
from shipyard.tools.versions import VersionCache
from shipyard.tools.xcrun import Metal, Metallib, Notarytool, Stapler, XcodeSelect, Xcrun

ALL_TOOLS: tuple[type[Tool], ...] = (
    Xcrun, Metal, Metallib, Notarytool, Stapler, Codesign, Security, Spctl, Hdiutil,
    Pkgbuild, Productbuild, Ditto, Git, Npm, Uv, Pip,
)

TOOLS_BY_NAME: dict[str, type[Tool]] = {cls.name: cls for cls in ALL_TOOLS}


@dataclass
class Toolbox:
    """The tools of one run, sharing one :class:`Runner`."""

    runner: Runner = field(default_factory=Runner)

    def get(self, cls: type[Tool]) -> Tool:
        return cls(self.runner)

    def statuses(self, versions: VersionCache | None = None) -> dict[str, ToolStatus]:
        """Every tool's status, probed in parallel (each probe mostly waits on a process);
        ``versions`` answers for tools whose version depends only on their file."""
        # one thread per tool, not concurrent.futures: that pulls in logging, and importing
        # both costs more than the probes of absent tools
        import threading

        found: dict[str, ToolStatus] = {}
        bugs: list[BaseException] = []

        def probe(tool: Tool) -> None:
            try:
                found[tool.name] = tool.verify()
            except (OSError, ShipyardError) as exc:  # a broken tool is reported, not fatal
                found[tool.name] = ToolStatus(tool.name, False, hint=tool.hint(), detail=str(exc))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                bugs.append(exc)

        threads = []
        for cls in ALL_TOOLS:
            tool = cls(self.runner)
            tool.versions = versions
            threads.append(threading.Thread(target=probe, args=(tool,), daemon=True))
            threads[-1].start()
        for thread in threads:
            thread.join()
        if bugs:
            raise bugs[0]
        if versions is not None:
            versions.save()
        return {cls.name: found[cls.name] for cls in ALL_TOOLS}


__all__ = [
    "ALL_TOOLS", "TOOLS_BY_NAME", "Codesign", "CommandResult", "Ditto", "Git", "Hdiutil", "Metal", "Metallib",
    "Notarytool", "Npm", "Pip", "Pkgbuild", "Productbuild", "Runner", "Security", "Spctl",
    "Stapler", "Tool", "ToolStatus", "Toolbox", "Uv", "Xcrun", "XcodeSelect", "is_macos",
]
