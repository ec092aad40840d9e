"""codesign: sign and verify Mach-O files and bundles (REFERENCE §4)."""

from __future__ import annotations

from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult


class Codesign(Tool):
    name = "codesign"
    executable = "codesign"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def sign_argv(self, path: Path | str, *, identity: str, entitlements: Path | str | None = None,
                  keychain: str | None = None, timestamp: bool = True,
                  runtime: bool = True) -> list[str]:
        """``codesign --force --timestamp --options runtime [--entitlements E] --sign ID [--keychain K] PATH``."""
        argv = ["--force"]
        if timestamp:
            argv.append("--timestamp")
        if runtime:
            argv += ["--options", "runtime"]
        if entitlements is not None:
            argv += ["--entitlements", str(entitlements)]
        argv += ["--sign", identity]
        if keychain:
            argv += ["--keychain", keychain]
        argv.append(str(path))
        return argv

    def sign(self, path: Path | str, **kwargs: object) -> CommandResult:
        return self.run(self.sign_argv(path, **kwargs))  # type: ignore[arg-type]

    def verify_signature(self, path: Path | str, *, check: bool = True) -> CommandResult:
        """``codesign --verify --deep --strict --verbose=2 PATH`` (runs in dry runs too)."""
        return self.run(["--verify", "--deep", "--strict", "--verbose=2", str(path)],
                        read_only=True, check=check)
