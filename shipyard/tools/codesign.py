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

    def verify_signature(self, path: Path | str, *, check: bool = True,
                         read_only: bool = True) -> CommandResult:
        """``codesign --verify --deep --strict --verbose=2 PATH`` (runs in dry runs too, unless
        ``read_only`` is false: after a dry-run signing there is nothing real to verify)."""
        return self.run(["--verify", "--deep", "--strict", "--verbose=2", str(path)],
                        read_only=read_only, check=check)

    def sign_file(self, path: Path | str, *, identity: str, entitlements: Path | None = None,
                  keychain: str = "", timestamp: bool = True,
                  runtime: bool = True) -> CommandResult:
        """Sign one file or bundle; never raises, so the caller can judge the output."""
        argv = self.sign_argv(path, identity=identity, entitlements=entitlements,
                              keychain=keychain or None, timestamp=timestamp, runtime=runtime)
        return self.run(argv, check=False)


#: codesign's message for files that hold no code (object files, data); harmless when signing a tree.
UNSUPPORTED_FORMAT = "unsupported format for signature"
