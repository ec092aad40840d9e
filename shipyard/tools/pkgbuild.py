"""pkgbuild and productbuild: installer packages (REFERENCE §5)."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult


class Pkgbuild(Tool):
    name = "pkgbuild"
    executable = "pkgbuild"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def build(self, root: Path | str, out: Path | str, *, identifier: str, version: str,
              install_location: str, scripts: Path | str | None = None) -> CommandResult:
        argv = ["--root", str(root), "--identifier", identifier, "--version", version,
                "--install-location", install_location]
        if scripts is not None:
            argv += ["--scripts", str(scripts)]
        return self.run([*argv, str(out)])


class Productbuild(Tool):
    name = "productbuild"
    executable = "productbuild"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def build(self, distribution: Path | str, package_path: Path | str, out: Path | str, *,
              identity: str | None = None) -> CommandResult:
        argv = ["--distribution", str(distribution), "--package-path", str(package_path)]
        if identity:
            argv += ["--sign", identity]
        return self.run([*argv, str(out)])
