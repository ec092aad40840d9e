"""The built-in publishers: GitHub Releases, Homebrew tap, npm, SwiftPM, PyPI and appcast.

Each module registers its class through the ``shipyard_publishers`` hook, exactly as a
third-party plugin does (they are listed in ``shipyard.plugins.builtin.MODULES``).
"""

from __future__ import annotations

from collections.abc import Mapping

from shipyard.errors import CredentialsError
from shipyard.plugins.interfaces import PublishContext
from shipyard.tools.runner import Runner


def runner_of(ctx: PublishContext) -> Runner:
    """The release's runner (a fresh one when a publisher is used on its own)."""
    return ctx.runner if ctx.runner is not None else Runner(dry_run=ctx.dry_run)


def secret_from_env(env: Mapping[str, str], names: tuple[str, ...], *, publisher: str,
                    dry_run: bool, lines: list[str]) -> str:
    """The first non-empty variable of ``names``; missing → a plan line (dry run) or an error."""
    for name in names:
        value = env.get(name, "")
        if value:
            return value
    wanted = " or ".join(names)
    if dry_run:
        lines.append(f"needs {wanted} (not set)")
        return ""
    raise CredentialsError(f"{publisher}: {wanted} is not set",
                           hint=f"export {names[0]}=… (it is never logged)")
