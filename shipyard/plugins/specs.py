"""Hook specifications of the ``shipyard`` pluggy project (entry-point group ``shipyard``).

A plugin is any module or object with ``@hookimpl``-decorated functions below; third parties
expose it through an entry point in the ``shipyard`` group.  Built-in plugins register through
these very hooks.  Each hook returns a list, so one plugin may contribute several classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from shipyard.plugins.interfaces import Notarizer, NoxSession, Publisher, Signer

PROJECT = "shipyard"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def shipyard_publishers() -> list[type[Publisher]]:  # type: ignore[empty-body]
    """Return publisher classes (each with a unique ``name``); each gets a ``publish-<name>`` session."""


@hookspec
def shipyard_signers() -> list[type[Signer]]:  # type: ignore[empty-body]
    """Return signer classes (for example a codesign- or rcodesign-based signer)."""


@hookspec
def shipyard_notarizers() -> list[type[Notarizer]]:  # type: ignore[empty-body]
    """Return notarizer classes (notarytool, the notary REST API, …)."""


@hookspec
def shipyard_nox_sessions() -> list[NoxSession]:  # type: ignore[empty-body]
    """Return extra nox sessions registered by ``shipyard.nox.register()``."""
