"""Signing, notarization and Gatekeeper checks: inside-out ordering, entitlement rules, the
temporary CI keychain, notary submissions (notarytool or the REST API) and stapling.

This package's own module holds only what ``doctor`` and the release plan ask before any
signing starts (which signer ``auto`` means here), so asking stays cheap.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from shipyard.errors import ToolMissingError

if TYPE_CHECKING:
    from shipyard.plugins.interfaces import Signer

#: What to install for the rcodesign signer (here, not in the engine module, so the plugin can
#: name it without importing the engine).
RCODESIGN_INSTALL_HINT = 'pip install "shipyard[rcodesign]"'


def resolve_signer_name(name: str, signers: Mapping[str, type[Signer]], *,
                        platform: str = sys.platform) -> str:
    """The signer plugin ``name`` stands for on this host (``auto`` resolved)."""
    if name != "auto":
        cls = signers.get(name)
        reason = cls.unusable() if cls is not None and name == "rcodesign" else ""
        if reason:
            raise ToolMissingError(f"signer {name!r} cannot run here: {reason}",
                                   hint=RCODESIGN_INSTALL_HINT)
        return name
    if platform == "darwin":
        return "codesign"
    rcodesign = signers.get("rcodesign")
    if rcodesign is not None and not rcodesign.unusable():
        return "rcodesign"
    raise ToolMissingError(
        "tool.shipyard.sign.signer = \"auto\" found no signer for this host: codesign exists only "
        "on macOS, and apple-platform-py (the rcodesign signer) is not installed",
        hint=f"{RCODESIGN_INSTALL_HINT}, or sign on a Mac")
