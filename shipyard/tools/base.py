"""Base class of the external-tool objects: find, verify, run."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from shipyard.errors import CommandError, ToolMissingError
from shipyard.tools.runner import CommandResult, Runner

if TYPE_CHECKING:
    from shipyard.tools.versions import VersionCache

MACOS_HINT = "macOS only: run this stage on a macOS host with Xcode or the Command Line Tools"


def installed_package(module: str) -> tuple[Path | None, str]:
    """The folder of this interpreter's importable package ``module`` and its version, read from
    the ``<module>-<version>.dist-info`` beside it (``(None, "")`` when it is not importable):
    importing the package, or starting it to ask, costs more than the rest of ``doctor``.

    Only ``sys.path`` is searched (the path finder), not the other import hooks: setuptools'
    hook answers a lookup of ``pip`` by importing ``traceback`` to see who asks."""
    from importlib.machinery import PathFinder

    if module in sys.modules and sys.modules[module] is None:  # import blocked: as importing does
        return None, ""
    try:
        spec = PathFinder.find_spec(module)
    except (ImportError, ValueError):
        return None, ""
    if spec is None or not spec.origin:
        return None, ""
    package = Path(spec.origin).parent
    prefix = f"{module}-"
    versions = [info.name[len(prefix):].removesuffix(".dist-info").removesuffix(".egg-info")
                .split("-")[0]
                for pattern in (f"{module}-*.dist-info", f"{module}-*.egg-info")
                for info in package.parent.glob(pattern)]
    return package, max(versions, key=_version_order, default="")


def _version_order(version: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key reading the numbers in a version as numbers (``23.3.1`` after ``9.0.1``)."""
    import re

    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", version) if part)


def is_macos() -> bool:
    return sys.platform == "darwin"


@dataclass(frozen=True)
class ToolStatus:
    """The result of :meth:`Tool.verify`: is the tool here, which version, how to get it."""

    name: str
    present: bool
    version: str = ""
    path: str = ""
    hint: str = ""
    detail: str = ""

    def describe(self) -> str:
        if self.present:
            version = f" {self.version}" if self.version else ""
            return f"{self.name}{version} ({self.path})"
        why = f" ({self.detail})" if self.detail else ""
        return f"{self.name}: missing{why}; install: {self.hint}"


class Tool:
    """One external tool.  Subclasses set ``name``, ``executable`` and ``install_hint``."""

    name: ClassVar[str]
    executable: ClassVar[str]
    install_hint: ClassVar[str] = ""
    #: Arguments printing the version; empty means the tool has no version flag.
    version_args: ClassVar[tuple[str, ...]] = ("--version",)
    macos_only: ClassVar[bool] = False
    #: The version printed depends only on the executable file, so a :class:`VersionCache`
    #: may answer for it (never true for tools whose answer follows the selected Xcode).
    version_from_file: ClassVar[bool] = False

    def __init__(self, runner: Runner | None = None, executable: str | None = None) -> None:
        self.runner = runner or Runner()
        self._executable = executable
        self.versions: VersionCache | None = None

    # -- discovery ------------------------------------------------------------------------
    def command(self) -> list[str]:
        """The argv prefix that invokes the tool."""
        return [self._executable or self.executable]

    def which(self) -> str | None:
        exe = self.command()[0]
        found = shutil.which(exe)
        return found or (exe if Path(exe).is_absolute() and Path(exe).exists() else None)

    def hint(self) -> str:
        if self.macos_only and not is_macos():
            return MACOS_HINT
        return self.install_hint

    def verify(self) -> ToolStatus:
        """Report presence, version and install hint.  Never raises."""
        path = self.which()
        if path is None:
            return ToolStatus(self.name, False, hint=self.hint(), detail="not on PATH")
        try:
            version = self._version(path)
        except CommandError as exc:
            return ToolStatus(self.name, False, path=path, hint=self.hint(), detail=exc.message)
        return ToolStatus(self.name, True, version=version, path=path)

    def _version(self, path: str) -> str:
        if not self.version_args:
            return ""
        cache = self.versions if self.version_from_file else None
        if cache is not None and (known := cache.get(path, self.version_args)) is not None:
            return known
        result = self.runner.run([*self.command(), *self.version_args], read_only=True,
                                 quiet=True, check=False, timeout=30)
        version = self.parse_version(result.output)
        if cache is not None and result.returncode == 0:
            cache.put(path, self.version_args, version)
        return version

    def parse_version(self, output: str) -> str:
        lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
        return lines[0] if lines else ""

    def require(self) -> ToolStatus:
        """Like :meth:`verify`, but raise :class:`ToolMissingError` when absent."""
        status = self.verify()
        if not status.present:
            raise ToolMissingError(f"{self.name} is not available ({status.detail})",
                                   hint=status.hint)
        return status

    # -- running --------------------------------------------------------------------------
    def run(self, args: Sequence[str | Path], **kwargs: object) -> CommandResult:
        return self.runner.run([*self.command(), *args], **kwargs)  # type: ignore[arg-type]


class PythonModuleTool(Tool):
    """A tool run as ``python -m <module>`` by this interpreter (pip, twine).

    Unless pointed at another executable, it answers from the package's dist-info (see
    :func:`installed_package`): no second interpreter starts and the package is not imported."""

    module: ClassVar[str]
    #: ``detail`` of the status when this interpreter cannot import the module.
    missing_detail: ClassVar[str] = "not importable"

    def command(self) -> list[str]:
        return [self._executable or sys.executable, "-m", self.module]

    def which(self) -> str | None:
        return self.command()[0] if installed_package(self.module)[0] is not None else None

    def verify(self) -> ToolStatus:
        if self._executable:
            return super().verify()
        package, version = installed_package(self.module)
        if package is None:
            return ToolStatus(self.name, False, hint=self.hint(), detail=self.missing_detail)
        return ToolStatus(self.name, True, version=version, path=sys.executable)
