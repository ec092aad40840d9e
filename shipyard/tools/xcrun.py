"""xcrun and the Xcode tools reached through it: metal, metallib, notarytool, stapler.

DEVELOPER_DIR is taken from ``xcode-select -p`` (never a hard-coded Xcode path), so the same
code works with a full Xcode, a beta Xcode, or the Command Line Tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from shipyard.tools.base import Tool, ToolStatus
from shipyard.tools.runner import CommandResult

METAL_TOOLCHAIN_HINT = "xcodebuild -downloadComponent MetalToolchain"
MISSING_METAL_MARKER = "missing Metal Toolchain"


class XcodeSelect(Tool):
    name = "xcode-select"
    executable = "xcode-select"
    install_hint = "xcode-select --install"
    version_args = ("--version",)
    macos_only = True

    def developer_dir(self) -> str | None:
        """The active developer directory, or None when xcode-select is absent or fails."""
        if self.which() is None:
            return None
        result = self.run(["-p"], read_only=True, quiet=True, check=False, timeout=30)
        path = result.stdout.strip()
        return path if result.returncode == 0 and path else None


class Xcrun(Tool):
    """``xcrun -sdk macosx <tool> …`` with DEVELOPER_DIR from ``xcode-select -p``."""

    name = "xcrun"
    executable = "xcrun"
    install_hint = "xcode-select --install"
    version_args = ("--version",)
    macos_only = True
    sdk: ClassVar[str] = "macosx"

    @cached_property
    def developer_dir(self) -> str | None:
        return XcodeSelect(self.runner).developer_dir()

    def tool_env(self) -> dict[str, str]:
        return {"DEVELOPER_DIR": self.developer_dir} if self.developer_dir else {}

    def run_tool(self, tool: str, args: Sequence[str | Path], **kwargs: object) -> CommandResult:
        """Run ``xcrun -sdk macosx TOOL ARGS``."""
        extra = dict(self.tool_env())
        extra.update(kwargs.pop("extra_env", None) or {})  # type: ignore[call-overload]
        return self.run(["-sdk", self.sdk, tool, *args], extra_env=extra, **kwargs)


class XcrunTool(Xcrun):
    """A tool reached through xcrun; ``verify()`` checks xcrun can find and run it."""

    tool: ClassVar[str]
    tool_version_args: ClassVar[tuple[str, ...]] = ("--version",)

    def verify(self) -> ToolStatus:
        base = super().verify()
        if not base.present:
            return ToolStatus(self.name, False, hint=self.hint(), detail="xcrun not found")
        found = self.run(["-sdk", self.sdk, "--find", self.tool], read_only=True, quiet=True,
                         check=False, timeout=60, extra_env=self.tool_env())
        if found.returncode != 0:
            return ToolStatus(self.name, False, hint=self.install_hint,
                              detail=found.output.strip().splitlines()[-1:][0] if found.output.strip()
                              else "xcrun cannot find it")
        probe = self.run_tool(self.tool, self.tool_version_args, read_only=True, quiet=True,
                              check=False, timeout=60)
        if MISSING_METAL_MARKER in probe.output:
            return ToolStatus(self.name, False, path=found.stdout.strip(), hint=METAL_TOOLCHAIN_HINT,
                              detail="the Metal Toolchain component is not installed")
        return ToolStatus(self.name, True, version=self.parse_version(probe.output),
                          path=found.stdout.strip())


class Metal(XcrunTool):
    name = "metal"
    tool = "metal"
    install_hint = METAL_TOOLCHAIN_HINT


class Metallib(XcrunTool):
    name = "metallib"
    tool = "metallib"
    install_hint = METAL_TOOLCHAIN_HINT


class Notarytool(XcrunTool):
    name = "notarytool"
    tool = "notarytool"
    install_hint = "install Xcode 13 or later (xcode-select --install)"


class Stapler(XcrunTool):
    name = "stapler"
    tool = "stapler"
    install_hint = "install Xcode or the Command Line Tools (xcode-select --install)"
    tool_version_args = ()
