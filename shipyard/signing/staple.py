"""Stapling without Xcode: apple-platform-py (rcodesign's engine) attaches the ticket.

The ticket comes from Apple's public ticket lookup (no credentials, but network).  Right after
the notary service says "Accepted" the lookup can still answer "record not found" for a
while, so each file is tried ``attempts`` times with doubling pauses before the stage gives
up, naming the file and its submission.  A zip (or a tarball, or a bare Mach-O) has nowhere
to hold a ticket: the app inside is stapled before it is zipped, and the stage notarizes
apps before the containers made of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from shipyard import ui
from shipyard.errors import CommandError, NotarizationError

#: What a ticket can be attached to: a bundle, a signed disk image, a flat package.
STAPLEABLE = (".app", ".dmg", ".pkg")
FIRST_PAUSE = 5.0
MAX_PAUSE = 120.0
#: How the retries wait (tests replace it, as they replace :func:`apple_staple`).
pause = time.sleep


def apple_staple(path: Path) -> None:
    """``apple_platform.notarize.staple``: fetch the ticket and attach it in place."""
    try:
        from apple_platform import notarize
    except ImportError:
        raise NotarizationError(
            f"cannot staple {path.name} on this host: neither Xcode's stapler nor "
            "apple-platform-py is available",
            hint='pip install "shipyard[rcodesign]", or set tool.shipyard.notarize.staple = '
            "false (Gatekeeper then fetches the ticket online)") from None
    notarize.staple(str(path))


def refuse_unstapleable(path: Path) -> None:
    if path.suffix == ".zip":
        raise NotarizationError(
            f"{path.name} cannot be stapled: a zip has nowhere to hold a ticket",
            hint="staple the app, then zip it (`shipyard notarize` notarizes and staples apps "
            "before the installers made of them)")
    if path.suffix not in STAPLEABLE:
        raise NotarizationError(f"{path.name} cannot be stapled: only .app, .dmg and .pkg can",
                                hint="Gatekeeper fetches the ticket of other files online")


def staple_with_retries(path: Path, *, submission: str, attempts: int,
                        staple: Callable[[Path], None] | None = None,
                        sleep: Callable[[float], None] | None = None) -> int:
    """Staple ``path``, retrying a failed ticket lookup; return the attempts it took."""
    refuse_unstapleable(path)
    staple = staple or apple_staple
    sleep = sleep or pause
    wait = FIRST_PAUSE
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            staple(path)
            return attempt
        except NotarizationError:
            raise
        except Exception as exc:  # noqa: BLE001 - the library's errors, told to the user below
            last = str(exc).strip()[-300:] or type(exc).__name__
        if attempt < attempts:
            ui.warn(f"staple {path.name}: attempt {attempt}/{attempts} failed ({last}); "
                    f"retrying in {wait:g}s")
            sleep(wait)
            wait = min(wait * 2, MAX_PAUSE)
    # Exit 6, not 8: Apple accepted the submission; the ticket lookup (a service shipyard calls)
    # kept failing, which a later run can fix without notarizing again.
    raise CommandError(
        f"stapling {path.name} (submission {submission}) failed after {attempts} attempts: {last}",
        hint="Apple's ticket lookup can lag the verdict: run `shipyard notarize` again later, "
        "or raise tool.shipyard.notarize.staple-attempts")
