"""xcrun and the Xcode tools reached through it: metal, metallib, notarytool, stapler.

DEVELOPER_DIR is taken from ``xcode-select -p`` (never a hard-coded Xcode path), so the same
code works with a full Xcode, a beta Xcode, or the Command Line Tools.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from shipyard.errors import CommandError
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


#: Flags every kernel compile gets (REFERENCE §1): warnings on, IEEE-exact math.
METAL_BASE_FLAGS = ("-x", "metal", "-Wall", "-Wextra", "-fno-fast-math")
METAL_DEBUG_FLAGS = ("-gline-tables-only", "-frecord-sources")


def metal_compile_flags(*, deployment_target: str, defines: Sequence[str] = (),
                        flags: Sequence[str] = (), debug: bool = False) -> list[str]:
    """The path-free part of a compile command line (also what the kernel cache keys on)."""
    return [*METAL_BASE_FLAGS, f"-mmacosx-version-min={deployment_target}",
            *(METAL_DEBUG_FLAGS if debug else ()), *(f"-D{d}" for d in defines), *flags]


class Metal(XcrunTool):
    """``xcrun -sdk macosx metal``: compile .metal → .air, link .air → .metallib, query MSL."""

    name = "metal"
    tool = "metal"
    install_hint = METAL_TOOLCHAIN_HINT

    def compile(self, source: Path, output: Path, *, flags: Sequence[str],
                include_dirs: Sequence[Path] = (), quiet: bool = False) -> CommandResult:
        """``metal FLAGS -c SRC -I INC... -o OUT.air``; ``flags`` from :func:`metal_compile_flags`."""
        includes = [f"-I{d}" for d in include_dirs]
        return self.run_tool(self.tool, [*flags, "-c", str(source), *includes, "-o", str(output)],
                             quiet=quiet)

    def link(self, airs: Sequence[Path], output: Path, *, deployment_target: str,
             quiet: bool = False) -> CommandResult:
        """``metal -mmacosx-version-min=DT A.air B.air -o LIB.metallib`` (what MLX does)."""
        return self.run_tool(self.tool, [f"-mmacosx-version-min={deployment_target}",
                                         *map(str, airs), "-o", str(output)], quiet=quiet)

    def language_version(self, deployment_target: str) -> int:
        """``__METAL_VERSION__`` for a deployment target (310 = MSL 3.1); read-only."""
        result = self.run_tool(
            self.tool, [f"-mmacosx-version-min={deployment_target}", "-E", "-x", "metal", "-P", "-"],
            input="__METAL_VERSION__\n", read_only=True, quiet=True, timeout=120)
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        if not lines or not lines[-1].isdigit():
            raise CommandError("could not read __METAL_VERSION__ from the Metal preprocessor",
                               argv=result.argv, output_tail=result.output[-2000:])
        return int(lines[-1])

    def version(self) -> str:
        """The compiler's ``--version`` first line; read-only."""
        result = self.run_tool(self.tool, ["--version"], read_only=True, quiet=True, timeout=120)
        return self.parse_version(result.output)


class Metallib(XcrunTool):
    """``xcrun -sdk macosx metallib``: the older, separate linker."""

    name = "metallib"
    tool = "metallib"
    install_hint = METAL_TOOLCHAIN_HINT

    def link(self, airs: Sequence[Path], output: Path, *, quiet: bool = False) -> CommandResult:
        """``metallib A.air B.air -o LIB.metallib``."""
        return self.run_tool(self.tool, [*map(str, airs), "-o", str(output)], quiet=quiet)


class Notarytool(XcrunTool):
    """``xcrun notarytool``; ``auth`` is one of the three credential forms (REFERENCE §4)."""

    name = "notarytool"
    tool = "notarytool"
    install_hint = "install Xcode 13 or later (xcode-select --install)"

    def submit(self, path: Path | str, auth: Sequence[str], *, secrets: Sequence[str] = ()
               ) -> CommandResult:
        """``notarytool submit F --output-format json AUTH``: upload, return at once with the id."""
        return self.run_tool(self.tool, ["submit", str(path), "--output-format", "json", *auth],
                             check=False, secrets=secrets)

    def wait(self, submission_id: str, auth: Sequence[str], *, timeout: int,
             secrets: Sequence[str] = ()) -> CommandResult:
        """``notarytool wait ID --timeout Ns --output-format json AUTH``: the bounded wait."""
        return self.run_tool(self.tool, ["wait", submission_id, "--timeout", f"{timeout}s",
                                         "--output-format", "json", *auth],
                             check=False, secrets=secrets, timeout=timeout + 120)

    def log(self, submission_id: str, auth: Sequence[str], *, secrets: Sequence[str] = ()
            ) -> CommandResult:
        """``notarytool log ID AUTH``: the developer log (JSON with ``issues``) on stdout."""
        return self.run_tool(self.tool, ["log", submission_id, *auth], check=False,
                             secrets=secrets, read_only=True)


class Stapler(XcrunTool):
    name = "stapler"
    tool = "stapler"
    install_hint = "install Xcode or the Command Line Tools (xcode-select --install)"
    tool_version_args = ()
    #: What ``stapler`` can attach a ticket to; zips, tarballs and bare Mach-O files cannot.
    STAPLEABLE: ClassVar[tuple[str, ...]] = (".app", ".dmg", ".pkg")

    def staple(self, path: Path | str) -> CommandResult:
        return self.run_tool(self.tool, ["staple", str(path)])

    def validate(self, path: Path | str, *, read_only: bool = True) -> CommandResult:
        return self.run_tool(self.tool, ["validate", str(path)], check=False, read_only=read_only)
