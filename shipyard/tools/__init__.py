"""External tools: one object per tool, each with ``verify()`` and typed command methods.

Stages receive their tools (see :class:`Toolbox`) so tests can swap them for fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.errors import ShipyardError
from shipyard.tools.base import Tool, ToolStatus, is_macos
from shipyard.tools.codesign import Codesign
from shipyard.tools.container import ContainerCli
from shipyard.tools.ditto import Ditto
from shipyard.tools.git import Git
from shipyard.tools.hdiutil import Hdiutil
from shipyard.tools.npm import Npm
from shipyard.tools.pip import Pip
from shipyard.tools.pkgbuild import Pkgbuild, Productbuild
from shipyard.tools.runner import CommandResult, Runner
from shipyard.tools.security import Security
from shipyard.tools.sevenzip import SevenZip
from shipyard.tools.spctl import Spctl
from shipyard.tools.uv import Uv
from shipyard.tools.versions import VersionCache
from shipyard.tools.xcrun import Metal, Metallib, Notarytool, Stapler, XcodeSelect, Xcrun
from shipyard.tools.xorrisofs import Xorrisofs

ALL_TOOLS: tuple[type[Tool], ...] = (
    Xcrun, Metal, Metallib, Notarytool, Stapler, Codesign, Security, Spctl, Hdiutil,
    Pkgbuild, Productbuild, Ditto, Xorrisofs, SevenZip, Git, Npm, Uv, Pip, ContainerCli,
)

TOOLS_BY_NAME: dict[str, type[Tool]] = {cls.name: cls for cls in ALL_TOOLS}

#: What a plugin's ``requires`` lists: a tool known to shipyard by name, or its own Tool class
#: (a third-party plugin's tool, or one only a built-in plugin uses, such as twine).
Requirement = str | type[Tool]


class UnknownTool(Tool):
    """Stands in for a required tool name shipyard has no tool object for."""

    name = "unknown"
    executable = ""

    def verify(self) -> ToolStatus:
        known = ", ".join(sorted(TOOLS_BY_NAME))
        return ToolStatus(self.name, False, detail="no tool object of that name",
                          hint=f"a plugin's `requires` names one of {known}, or lists its own "
                          "Tool class")


def required_tool(requirement: Requirement) -> type[Tool]:
    """The Tool class behind one ``requires`` entry."""
    if isinstance(requirement, str):
        found = TOOLS_BY_NAME.get(requirement)
        if found is not None:
            return found
        return type(f"Unknown_{requirement}", (UnknownTool,), {"name": requirement})
    return requirement


@dataclass
class Toolbox:
    """The tools of one run, sharing one :class:`Runner`."""

    runner: Runner = field(default_factory=Runner)

    def get(self, cls: type[Tool]) -> Tool:
        return cls(self.runner)

    def statuses(self, extra: Iterable[Requirement] = (), *,
                 versions: VersionCache | None = None) -> dict[str, ToolStatus]:
        """Every built-in tool's status, then that of the ``extra`` ones plugins require;
        ``versions`` answers for tools whose version depends only on their file.

        Each of shipyard's own tools is first asked without starting a process (absent from
        PATH, or its version remembered), which answers most of them; only the rest, and
        every tool a third-party plugin brings (whose ``verify`` may catch any exception), are
        probed, in parallel, since each probe mostly waits on its process."""
        classes = list(ALL_TOOLS)
        for cls in map(required_tool, extra):
            if cls.name not in {c.name for c in classes}:
                classes.append(cls)
        found: dict[str, ToolStatus] = {}
        to_probe = []
        for cls in classes:
            if not cls.__module__.startswith("shipyard."):
                to_probe.append(cls)
                continue
            try:
                found[cls.name] = _status(cls(_NoProcessRunner()), versions)
            except _WouldStartProcess:
                to_probe.append(cls)
        if to_probe:
            found.update(self._probe_in_parallel(to_probe, versions))
        if versions is not None:
            versions.save()
        return {cls.name: found[cls.name] for cls in classes}

    def _probe_in_parallel(self, classes: list[type[Tool]],
                           versions: VersionCache | None) -> dict[str, ToolStatus]:
        # one thread per tool, not concurrent.futures: that pulls in logging, and importing
        # both costs more than the probes of absent tools
        import threading

        found: dict[str, ToolStatus] = {}
        bugs: list[BaseException] = []

        def probe(cls: type[Tool]) -> None:
            try:
                found[cls.name] = _status(cls(self.runner), versions)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                bugs.append(exc)

        threads = [threading.Thread(target=probe, args=(cls,), daemon=True) for cls in classes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if bugs:
            raise bugs[0]
        return found


def _status(tool: Tool, versions: VersionCache | None) -> ToolStatus:
    tool.versions = versions
    try:
        return tool.verify()
    except (OSError, ShipyardError) as exc:  # a broken tool is reported, not fatal
        return ToolStatus(tool.name, False, hint=tool.hint(), detail=str(exc))


class _WouldStartProcess(Exception):
    """Raised by :class:`_NoProcessRunner` where a tool's check would start a process."""


class _NoProcessRunner(Runner):
    """A runner that starts nothing: what a tool can tell without it, it tells at once."""

    def run(self, argv: Sequence[str | Path], **kwargs: Any) -> CommandResult:
        raise _WouldStartProcess(str(argv[0]) if argv else "")


__all__ = [
    "ALL_TOOLS", "TOOLS_BY_NAME", "Codesign", "CommandResult", "ContainerCli", "Ditto", "Git", "Hdiutil", "Metal", "Metallib",
    "Notarytool", "Npm", "Pip", "Pkgbuild", "Productbuild", "Requirement", "Runner", "Security", "SevenZip", "Spctl",
    "Stapler", "Tool", "ToolStatus", "Toolbox", "UnknownTool", "Uv", "Xcrun", "XcodeSelect", "Xorrisofs", "is_macos",
    "required_tool",
]
