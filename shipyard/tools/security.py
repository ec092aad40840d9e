"""security: temporary CI keychains (REFERENCE §4).

Passwords are passed through ``secrets=`` so the runner masks them in every echo and error.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from shipyard.tools.base import Tool
from shipyard.tools.runner import CommandResult

#: Re-lock after 6 hours (-t 21600) and on sleep (-l); -u locks after the timeout.
KEYCHAIN_SETTINGS = ("-lut", "21600")


class Security(Tool):
    name = "security"
    executable = "security"
    install_hint = "part of macOS"
    version_args = ()
    macos_only = True

    def create_keychain(self, keychain: Path | str, password: str) -> CommandResult:
        return self.run(["create-keychain", "-p", password, str(keychain)], secrets=[password])

    def set_keychain_settings(self, keychain: Path | str) -> CommandResult:
        return self.run(["set-keychain-settings", *KEYCHAIN_SETTINGS, str(keychain)])

    def unlock_keychain(self, keychain: Path | str, password: str) -> CommandResult:
        return self.run(["unlock-keychain", "-p", password, str(keychain)], secrets=[password])

    def import_p12(self, p12: Path | str, p12_password: str, keychain: Path | str) -> CommandResult:
        """Import a PKCS#12 certificate and key, readable by every app (-A) — codesign included."""
        return self.run(["import", str(p12), "-P", p12_password, "-A", "-t", "cert", "-f", "pkcs12",
                         "-k", str(keychain)], secrets=[p12_password])

    def set_key_partition_list(self, keychain: Path | str, password: str) -> CommandResult:
        """Let codesign use the key without a UI prompt (macOS Sierra and later)."""
        return self.run(["set-key-partition-list", "-S", "apple-tool:,apple:", "-s", "-k", password,
                         str(keychain)], secrets=[password])

    def user_keychains(self) -> list[str]:
        """The user's keychain search list (a query: runs in dry runs too)."""
        result = self.run(["list-keychains", "-d", "user"], read_only=True, check=False, quiet=True)
        if result.dry_run or result.returncode != 0:
            return []
        return [_unquote(line) for line in result.stdout.splitlines() if line.strip()]

    def set_user_keychains(self, keychains: list[str]) -> CommandResult:
        return self.run(["list-keychains", "-d", "user", "-s", *keychains])

    def delete_keychain(self, keychain: Path | str) -> CommandResult:
        return self.run(["delete-keychain", str(keychain)], check=False)

    def find_codesigning_identities(self, keychain: Path | str) -> str:
        result = self.run(["find-identity", "-v", "-p", "codesigning", str(keychain)],
                          read_only=True, check=False, quiet=True)
        return result.stdout


def _unquote(line: str) -> str:
    parts = shlex.split(line.strip())
    return parts[0] if parts else line.strip()
