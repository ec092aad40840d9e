"""External tools: one object per tool, each with ``verify()`` and typed command methods.

Stages receive their tools (see :class:`Toolbox`) so tests can swap them for fakes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
from shipyard.tools.spctl import Spctl
from shipyard.tools.uv import Uv
from shipyard.tools.xcrun import Metal, Metallib, Notarytool, Stapler, XcodeSelect, Xcrun

ALL_TOOLS: tuple[type[Tool], ...] = (
    Xcrun, Metal, Metallib, Notarytool, Stapler, Codesign, Security, Spctl, Hdiutil,
    Pkgbuild, Productbuild, Ditto, Git, Npm, Uv, Pip, ContainerCli,
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

    def statuses(self, extra: Iterable[Requirement] = ()) -> dict[str, ToolStatus]:
        """Status of every built-in tool, then of the ``extra`` ones plugins require."""
        found = {cls.name: cls(self.runner).verify() for cls in ALL_TOOLS}
        for requirement in extra:
            cls = required_tool(requirement)
            if cls.name not in found:
                found[cls.name] = cls(self.runner).verify()
        return found


__all__ = [
    "ALL_TOOLS", "TOOLS_BY_NAME", "Codesign", "CommandResult", "ContainerCli", "Ditto", "Git", "Hdiutil", "Metal", "Metallib",
    "Notarytool", "Npm", "Pip", "Pkgbuild", "Productbuild", "Requirement", "Runner", "Security", "Spctl",
    "Stapler", "Tool", "ToolStatus", "Toolbox", "UnknownTool", "Uv", "Xcrun", "XcodeSelect", "is_macos",
    "required_tool",
]
