"""One exception hierarchy; each class carries the process exit code the CLI returns.

The CLI catches :class:`ShipyardError` in exactly one place (``shipyard.cli.main``) and prints
its message without a traceback: these are user-facing conditions (bad input, missing tools,
failed external commands).  Anything else escaping is our bug and gets a traceback with ``-v``.

Exit codes (documented in the README, keep the table there in sync — a test checks it):
"""

from __future__ import annotations

from collections.abc import Sequence


class ShipyardError(Exception):
    """Base class for every error a user can cause or fix."""

    exit_code = 1
    #: One line naming the problem category in the README's exit-code table.
    summary = "failure (anything not listed below)"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class CensusDriftError(ShipyardError):
    """The number of native binaries in a bundle moved outside baseline ± tolerance."""

    exit_code = 2
    summary = "binary census drift (Mach-O / ELF count outside baseline ± tolerance)"


class SmokeTestError(ShipyardError):
    """The bundle was built (and possibly signed) but does not run."""

    exit_code = 3
    summary = "smoke test failure (bundle built but does not run)"


class ConfigError(ShipyardError):
    """Invalid configuration: unknown key, wrong type or value, bad command-line override."""

    exit_code = 4
    summary = "configuration error (pyproject.toml, environment or command line)"


class ToolMissingError(ShipyardError):
    """A required external tool is absent or unusable on this host."""

    exit_code = 5
    summary = "required tool missing, or a configured stage cannot run on this host"


class CommandError(ShipyardError):
    """An external command exited non-zero or timed out."""

    exit_code = 6
    summary = "an external command failed or timed out"

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        output_tail: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.argv = list(argv)
        self.returncode = returncode
        self.output_tail = output_tail

    def __str__(self) -> str:
        text = super().__str__()
        if self.output_tail:
            indented = "\n".join("    " + line for line in self.output_tail.splitlines())
            text += f"\n  last output:\n{indented}"
        return text


class SigningError(ShipyardError):
    """Code signing or signature verification failed."""

    exit_code = 7
    summary = "code signing or signature verification failed"


class NotarizationError(ShipyardError):
    """Notarization was rejected, timed out, or stapling/assessment failed."""

    exit_code = 8
    summary = "notarization rejected or timed out, stapling or Gatekeeper assessment failed"


class PublishConflictError(ShipyardError):
    """A remote already holds a different artifact under the same name; never overwritten."""

    exit_code = 9
    summary = "publish conflict (a remote asset exists with different bytes)"


class CredentialsError(ShipyardError):
    """A secret or credential needed for the requested work is missing or rejected."""

    exit_code = 10
    summary = "missing or rejected credentials"


class IntegrityError(ShipyardError):
    """A download or file does not match its pinned checksum, an archive is hostile, or a
    resumed release finds a manifest or a published file other than the one it started with."""

    exit_code = 11
    summary = ("integrity check failed (checksum mismatch, hostile archive member, a resume over "
               "a changed manifest or replaced published file)")


class ReleaseRefusedError(ShipyardError):
    """A release was refused by policy: bad tag, version mismatch, PR context, unsigned artifacts."""

    exit_code = 12
    summary = "release refused (bad tag, version mismatch, pull_request context, unsigned artifacts)"


class PluginError(ShipyardError):
    """A plugin is broken or two plugins claim the same name."""

    exit_code = 13
    summary = "plugin error (duplicate name, broken plugin)"


class DriftError(ShipyardError):
    """A generated file (a CI workflow) differs from what the configuration generates."""

    exit_code = 1  # like `ci/sync_docs.py --check`: a plain failure for a CI gate
    summary = ShipyardError.summary


class NetworkPolicyError(ShipyardError):
    """The build reached for a host its network allowlist refuses, or its proxy cannot run."""

    exit_code = 14
    summary = "network policy: a host outside tool.shipyard.network.allow, or the build proxy cannot start"


class IsolationUnavailableError(ToolMissingError):
    """The requested isolation (network namespace, container backend) is impossible here."""


class InterruptedByUser(ShipyardError):
    """Ctrl-C: temporary files were cleaned up, nothing half-written was left in place."""

    exit_code = 130
    summary = "interrupted (Ctrl-C); temporary files removed"


def exit_code_table() -> list[tuple[int, str]]:
    """Every documented exit code with its summary, sorted by code (0 first)."""
    rows = {0: "success"}

    def walk(cls: type[ShipyardError]) -> None:
        rows.setdefault(cls.exit_code, cls.summary)
        for sub in cls.__subclasses__():
            walk(sub)

    walk(ShipyardError)
    return sorted(rows.items())
